using System;
using System.Collections.Generic;
using AtomicLru.Policy;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// Window TinyLFU as a plain single-threaded model over linked lists, to decide the policy's parameters by hit ratio
/// before the engine carries it (docs/decisions/0014-window-tinylfu.md): an admission window in LRU order, a main
/// region split into probation and protected (80 % of it), and the engine's <see cref="FrequencySketch"/> deciding,
/// when the window overflows, whether the window's oldest entry or main's victim stays. The window is either a fixed
/// share of the capacity or sized by the engine's <see cref="WindowGhosts"/>; a candidate is admitted, as in the engine,
/// only if seen more often than the victim by more than <see cref="WindowTinyLfu{TKey,TValue}.AdmissionMargin"/>. As in
/// the engine, a hit never demotes: protected over its share gives back its least recent entry, one per miss; and a hit
/// is counted in its entry, up to 7, which adds its count to the sketch when it leaves.
/// </summary>
internal sealed class TinyLfuModel
{
    private readonly int _capacity;
    private readonly FrequencySketch _sketch;
    private readonly Dictionary<int, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _window = new();
    private readonly LinkedList<Entry> _probation = new();
    private readonly LinkedList<Entry> _protected = new();
    private int _windowMax;
    private int _protectedMax;

    private readonly WindowGhosts? _ghosts;

    /// <param name="capacity">Entries held.</param>
    /// <param name="windowShare">The window's share of <paramref name="capacity"/>, fixed; unused with <paramref name="adaptive"/> (the ghosts start at their own share).</param>
    /// <param name="adaptive">Size the window from ghosts, as the engine does.</param>
    internal TinyLfuModel(int capacity, double windowShare, bool adaptive)
    {
        _capacity = capacity;
        _sketch = new FrequencySketch(capacity, seed: 0x5EED);
        if (adaptive)
        {
            _ghosts = new WindowGhosts();
            windowShare = _ghosts.Share;
        }

        SetWindow((int)Math.Max(1, capacity * windowShare));
    }

    private enum Region
    {
        Window,
        Probation,
        Protected,
    }

    /// <summary>A read that stores the key on a miss; true on a hit.</summary>
    internal bool Access(int key)
    {
        int hash = key.GetHashCode() * -1640531535; // spread, as a table's hash would be
        bool hit = _entries.TryGetValue(key, out LinkedListNode<Entry>? node);
        if (hit)
        {
            CountRead(node!.Value);
            OnHit(node);
        }
        else
        {
            bool counted = _sketch.Increment(hash) > 0; // as the engine: only a key the sketch still counts may be a ghost
            Add(key, hash, counted);
        }

        return hit;
    }

    private void OnHit(LinkedListNode<Entry> node)
    {
        switch (node.Value.Region)
        {
            case Region.Window:
                MoveToFront(_window, node);
                break;
            case Region.Probation:
                _probation.Remove(node);
                node.Value.Region = Region.Protected;
                _protected.AddFirst(node);
                break;
            default:
                MoveToFront(_protected, node);
                break;
        }
    }

    private void Add(int key, int hash, bool counted)
    {
        if (_protected.Count > _protectedMax)
        {
            LinkedListNode<Entry> demoted = _protected.Last!;
            _protected.Remove(demoted);
            demoted.Value.Region = Region.Probation;
            _probation.AddFirst(demoted);
        }

        var node = new LinkedListNode<Entry>(new Entry(key, hash, Region.Window));
        _entries[key] = node;
        _window.AddFirst(node);
        while (_window.Count > _windowMax)
        {
            LinkedListNode<Entry> candidate = _window.Last!;
            _window.Remove(candidate);
            Admit(candidate);
        }

        while (_entries.Count > _capacity)
        {
            Evict(_probation.Last ?? _protected.Last ?? _window.Last!); // the window grew: main gives up its victim
        }

        if (counted && _ghosts?.Added(hash, _entries.Count) == true)
        {
            Resize();
        }
    }

    /// <summary>The window's oldest entry goes to probation, if main has room or it is seen more often than main's victim.</summary>
    private void Admit(LinkedListNode<Entry> candidate)
    {
        if (_entries.Count <= _capacity)
        {
            candidate.Value.Region = Region.Probation;
            _probation.AddFirst(candidate);
            return;
        }

        LinkedListNode<Entry> victim = _probation.Last ?? _protected.Last!;
        int held = _entries.Count - 1; // as the engine counts when it chooses: without the entry being added
        if (Frequency(candidate.Value) > Frequency(victim.Value) + WindowTinyLfu<int, int>.AdmissionMargin)
        {
            _ghosts?.MainGaveUp(victim.Value.Hash, held);
            Evict(victim);
            candidate.Value.Region = Region.Probation;
            _probation.AddFirst(candidate);
        }
        else
        {
            _ghosts?.WindowGaveUp(candidate.Value.Hash, held);
            Leave(candidate.Value);
        }
    }

    private void Evict(LinkedListNode<Entry> victim)
    {
        (victim.Value.Region switch { Region.Probation => _probation, Region.Protected => _protected, _ => _window }).Remove(victim);
        Leave(victim.Value);
    }

    private void Leave(Entry entry)
    {
        _entries.Remove(entry.Key);
        int reads = Uncounted(entry);
        if (reads > 0)
        {
            _sketch.Add(entry.Hash, reads);
        }
    }

    private int Frequency(Entry entry) => Math.Min(FrequencySketch.MaxFrequency, _sketch.Frequency(entry.Hash) + Uncounted(entry));

    private int Uncounted(Entry entry) => entry.Uncounted >> ((_sketch.Halvings - entry.Epoch) & 3);

    private void CountRead(Entry entry)
    {
        entry.Uncounted = Math.Min(Uncounted(entry) + 1, 7);
        entry.Epoch = _sketch.Halvings & 3;
        _sketch.CountEvent();
    }

    private void SetWindow(int windowMax)
    {
        _windowMax = Math.Clamp(windowMax, 1, Math.Max(1, _capacity - 1));
        _protectedMax = (int)((_capacity - _windowMax) * 0.8);
    }

    private void Resize()
    {
        SetWindow((int)(_ghosts!.Share * _capacity));
        while (_window.Count > _windowMax)
        {
            LinkedListNode<Entry> candidate = _window.Last!;
            _window.Remove(candidate);
            candidate.Value.Region = Region.Probation;
            _probation.AddFirst(candidate); // a shrinking window hands its oldest to main; main evicts on the next admission
        }
    }

    private static void MoveToFront(LinkedList<Entry> list, LinkedListNode<Entry> node)
    {
        list.Remove(node);
        list.AddFirst(node);
    }

    private sealed class Entry(int key, int hash, Region region)
    {
        public int Key { get; } = key;

        public int Hash { get; } = hash;

        public Region Region { get; set; } = region;

        /// <summary>Hits not yet added to the sketch, and its halvings modulo 4 when last counted.</summary>
        public int Uncounted { get; set; }

        public int Epoch { get; set; }
    }
}
