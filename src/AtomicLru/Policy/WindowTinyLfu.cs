using System;
using System.Collections.Generic;
using System.Threading;
using AtomicLru.Engine;

namespace AtomicLru.Policy;

/// <summary>
/// The eviction order of <see cref="AtomicLruEvictionPolicy.TinyLfu"/>: Window TinyLFU. New entries enter a small
/// window kept in LRU order (sized by <see cref="WindowGhosts"/>, from 0.1 % of the limits); what the window pushes
/// out joins the main region's probation segment as a candidate, and when the cache must make room, the candidate and
/// main's least recently used entry (the victim) are compared by how often they were seen lately
/// (<see cref="FrequencySketch"/>): the candidate stays only if seen more often by more than
/// <see cref="AdmissionMargin"/>. A read of a probation entry promotes it to the protected segment (80 % of main);
/// while protected is over that share, each write hands its least recent entry back to probation. Used only under the
/// engine's policy lock.
/// </summary>
/// <remarks>
/// <para>Each region is a <see cref="RecencyLog{TKey,TValue}"/>. The window is the engine's own log (its ends on the
/// policy line); probation and protected number their slots from 2^60 and 2^61, so a node's stamp says which region
/// holds it, and no two regions ever give the same stamp: a lock-free reader's stamp check stays exact when a node
/// moves between regions, as when it moves within one.</para>
/// <para>The regions are sized in the units of the limits: entries against <c>MaxItems</c> and bytes against the size
/// limit, each region by both when both are set.</para>
/// <para>Why reads never demote: a demotion writes to protected's least recent entry, which no one has touched for a
/// long while, so it is a cache miss; when reads did it after each promotion, a hit that promoted cost twice a hit that
/// did not (every hit of a loop promotes). Protected's share only matters when a victim is chosen, which writes do, so
/// writes give the overflow back, one entry each: a bounded cost, never a long catch-up after a read-only spell. Until
/// then probation is smaller than its share, and when it is empty main's victim is protected's least recent entry
/// (docs/decisions/0014-window-tinylfu.md has the measurements).</para>
/// <para>Why reads are counted in the node: the key's block of the sketch is a random line of a table of 8 bytes per
/// entry, which a replayed read would otherwise touch every time, where the node is in cache (its reader just loaded
/// it). A node counts up to seven reads in spare bits (more are not counted: the entry is kept by its recency while it
/// is read); they go to the sketch when the entry leaves, so a key that comes back is remembered; a comparison adds them
/// to the sketch's estimate. Writes count in the sketch at once.</para>
/// </remarks>
internal sealed class WindowTinyLfu<TKey, TValue>
    where TKey : notnull
{
    /// <summary>The first stamp of the probation segment; the window's stamps stay below it.</summary>
    internal const long ProbationBase = 1L << 60;

    /// <summary>The first stamp of the protected segment.</summary>
    internal const long ProtectedBase = 2L << 60;

    /// <summary>
    /// How much more often than the victim a candidate must have been seen to take its place. Why not zero: a key seen
    /// once more than the victim is noise as often as signal (on a loop every key is), and main then churns like an LRU.
    /// </summary>
    internal const int AdmissionMargin = 1;

    private readonly RecencyLog<TKey, TValue> _window;
    private readonly RecencyLog<TKey, TValue> _probation;
    private readonly RecencyLog<TKey, TValue> _protected;
    private readonly List<Node<TKey, TValue>> _candidates = [];
    private int _nextCandidate;
    private FrequencySketch _sketch;
    private readonly WindowGhosts _ghosts = new();

    /// <summary>The most entries the sketch is ever sized for under the current limits; it starts smaller (see <see cref="SizeSketchWhenHalfFull"/>).</summary>
    private int _sketchCeiling;
    private long _maxItems;
    private long _maxSize;
    private bool _sketchSized;
    private long _windowBytes;
    private long _probationBytes;
    private long _protectedBytes;
    private int _count;
    private long _windowMaxItems;
    private long _windowMaxBytes;
    private long _protectedMaxItems;
    private long _protectedMaxBytes;

    /// <param name="window">The engine's recency log, which becomes the window.</param>
    /// <param name="maxItems">The entry limit (<see cref="long.MaxValue"/> for none).</param>
    /// <param name="maxSize">The size limit (<see cref="long.MaxValue"/> for none).</param>
    internal WindowTinyLfu(RecencyLog<TKey, TValue> window, long maxItems, long maxSize)
    {
        _window = window;
        _probation = new RecencyLog<TKey, TValue>(new PolicyState(), ProbationBase);
        _protected = new RecencyLog<TKey, TValue>(new PolicyState(), ProtectedBase);
        _sketchCeiling = SketchCeiling(maxItems, maxSize);
        _sketch = new FrequencySketch(Math.Min(_sketchCeiling, UpFrontSketchCapacity));
        SetLimits(maxItems, maxSize);
    }

    /// <summary>Entries in all three regions. Written under the lock; anyone may read it.</summary>
    internal int Count => Volatile.Read(ref _count);

    /// <summary>The window's share of the limits now (for tests).</summary>
    internal double WindowShare => _ghosts.Share;

    /// <summary>Entries in the protected segment, and the most its share allows (for tests).</summary>
    internal (int Count, long Share) Protected => (_protected.Count, _protectedMaxItems);

    /// <summary>The protected segment's bytes, and the most its share allows (for tests).</summary>
    internal (long Bytes, long Share) ProtectedBytes => (_protectedBytes, _protectedMaxBytes);

    /// <summary>Entries in the window, and the most entries and bytes its share allows (for tests).</summary>
    internal (int Count, long MaxItems, long MaxBytes) Window => (_window.Count, _windowMaxItems, _windowMaxBytes);

    /// <summary>How many times the sketch has halved its counters (for tests).</summary>
    internal int SketchHalvings => _sketch.Halvings;

    /// <summary>Sets the regions' sizes for new limits; the caller then evicts down to the limits.</summary>
    /// <param name="maxItems">The entry limit; <see cref="long.MaxValue"/>, or the engine's own ceiling of 2^30 - 1, for none.</param>
    /// <param name="maxSize">The size limit; <see cref="long.MaxValue"/> for none.</param>
    internal void SetLimits(long maxItems, long maxSize)
    {
        if (maxItems >= RecencyLog<TKey, TValue>.MaxCapacity - 1)
        {
            maxItems = long.MaxValue; // no count limit: the engine caps the count at 2^30 - 1 all the same
        }

        _maxItems = maxItems;
        _maxSize = maxSize;
        _sketchCeiling = SketchCeiling(maxItems, maxSize);
        if (_sketch.Capacity > 2L * _sketchCeiling)
        {
            _sketch = new FrequencySketch(_sketchCeiling); // far smaller limits: start afresh at their size
        }

        _sketchSized = false; // sized again for the new limits once the cache is half full
        SizeSketchWhenHalfFull();
        SizeRegions();
    }

    /// <summary>
    /// Sizes the window at its share (<see cref="WindowGhosts"/>) of each limit, at least one entry and one byte, and
    /// protected at 80 % of the rest. A window over its new size hands its oldest entries to probation at once, as plain
    /// entries of main, not as candidates: main's victims are then chosen among them by recency, as among the rest of
    /// probation. A protected segment over its new size is left to the writes that follow (<see cref="PushOutOfWindow"/>).
    /// </summary>
    private void SizeRegions()
    {
        double share = _ghosts.Share;
        _windowMaxItems = _maxItems == long.MaxValue ? long.MaxValue : Math.Max(1, (long)(_maxItems * share));
        _windowMaxBytes = _maxSize == long.MaxValue ? long.MaxValue : Math.Max(1, (long)(_maxSize * share));
        _protectedMaxItems = _maxItems == long.MaxValue ? long.MaxValue : (long)((_maxItems - _windowMaxItems) * 0.8);
        _protectedMaxBytes = _maxSize == long.MaxValue ? long.MaxValue : (long)((_maxSize - _windowMaxBytes) * 0.8);
        while ((_window.Count > _windowMaxItems || _windowBytes > _windowMaxBytes) && _window.Count > 1)
        {
            MoveOldestToProbation(_window);
        }
    }

    /// <summary>Moves the least recent entry of <paramref name="region"/> (the window, or protected) to probation, as its most recent; returns it.</summary>
    private Node<TKey, TValue> MoveOldestToProbation(RecencyLog<TKey, TValue> region)
    {
        Node<TKey, TValue> oldest = region.Last!;
        region.MoveTo(_probation, oldest);
        Bytes(region) -= oldest.Size;
        _probationBytes += oldest.Size;
        return oldest;
    }

    /// <summary>The most entries a sketch is sized for before the cache is half full: 2^20 (8 MB).</summary>
    private const int UpFrontSketchCapacity = 1 << 20;

    /// <summary>The sketch's size in entries, for tests.</summary>
    internal int SketchCapacity => _sketch.Capacity;

    /// <summary>Adds a new entry: it enters the window and counts as seen once; if its key was a ghost, the window is resized.</summary>
    internal void Add(Node<TKey, TValue> node)
    {
        _window.Add(node);
        _windowBytes += node.Size;
        Volatile.Write(ref _count, _count + 1);
        if (!_sketchSized)
        {
            SizeSketchWhenHalfFull();
        }

        bool counted = _sketch.Increment(node.SketchHash) > 0; // never counted, or aged to nothing: no recent ghost
        if (counted && _ghosts.Added(node.SketchHash, _count))
        {
            SizeRegions();
        }
    }

    /// <summary>
    /// Once the cache is half full, sizes the sketch for the entries it will hold when full, if the first guess was off by
    /// more than half: the entry limit when there is one (sized up front only up to 2^20 entries, so that a large limit
    /// the cache never reaches costs no more than 8 MB), else twice the entries held at half the byte limit. The counts
    /// start afresh then; no eviction has asked the sketch yet. A cache with no limit keeps its first, small sketch.
    /// </summary>
    private void SizeSketchWhenHalfFull()
    {
        long bytes = _windowBytes + _probationBytes + _protectedBytes;
        bool halfFull = (_maxItems != long.MaxValue && _count >= _maxItems / 2) || (_maxSize != long.MaxValue && bytes >= _maxSize / 2);
        if (!halfFull)
        {
            return;
        }

        _sketchSized = true;
        long entries = _maxItems != long.MaxValue ? _maxItems : 2L * Math.Max(_count, 1);
        int capacity = (int)Math.Clamp(entries, 16, _sketchCeiling);
        int sized = _sketch.Capacity;
        if (capacity > 2L * sized || 2L * capacity < sized)
        {
            _sketch = new FrequencySketch(capacity);
        }
    }

    /// <summary>Puts <paramref name="added"/> where <paramref name="old"/> is (an overwrite under the same key), as its region's most recent; <see cref="RemoveReplaced"/> follows.</summary>
    internal void AddInPlaceOf(Node<TKey, TValue> added, Node<TKey, TValue> old)
    {
        RecencyLog<TKey, TValue> region = RegionOf(old);
        region.AddInPlaceOf(added);
        Bytes(region) += added.Size;
        _sketch.Increment(added.SketchHash);
    }

    /// <summary>Takes out the node <see cref="AddInPlaceOf"/> replaced.</summary>
    internal void RemoveReplaced(Node<TKey, TValue> old)
    {
        AddUncountedReads(old);
        RecencyLog<TKey, TValue> region = RegionOf(old);
        region.RemoveReplaced(old);
        Bytes(region) -= old.Size;
    }

    /// <summary>Takes a node out of its region; <paramref name="sweepLater"/> as <see cref="RecencyLog{TKey,TValue}.Remove"/> takes it.</summary>
    internal void Remove(Node<TKey, TValue> node, bool sweepLater)
    {
        AddUncountedReads(node); // the key may come back: the sketch remembers how often it was read
        RecencyLog<TKey, TValue> region = RegionOf(node);
        Bytes(region) -= node.Size;
        region.Remove(node, sweepLater);
        Volatile.Write(ref _count, _count - 1);
    }

    /// <summary>A node held changed its size in place (an overwrite that kept the node).</summary>
    internal void Resized(Node<TKey, TValue> node, long delta) => Bytes(RegionOf(node)) += delta;

    /// <summary>
    /// A read or write of a node held: counted (a read in the node, a write in the sketch); the node becomes its region's
    /// most recent, and a probation node moves to protected, which may go over its share until writes demote (see the
    /// remarks on the class); <paramref name="hit"/> tells a read from a write. With
    /// <paramref name="underContention"/>, a window or protected node already among its region's newest quarter stays
    /// where it is (see <c>LruEngine.ReplayReadUnderContention</c>).
    /// </summary>
    internal void OnAccess(Node<TKey, TValue> node, bool hit, bool underContention = false)
    {
        if (hit)
        {
            CountRead(node);
        }
        else
        {
            _sketch.Increment(node.SketchHash);
        }

        long stamp = node.RecencyStamp;
        if (stamp >= ProtectedBase)
        {
            if (!underContention || !_protected.IsAmongNewest(node))
            {
                _protected.MoveToFirst(node);
            }
        }
        else if (stamp >= ProbationBase)
        {
            _probation.MoveTo(_protected, node);
            _probationBytes -= node.Size;
            _protectedBytes += node.Size;
        }
        else if (!underContention || !_window.IsAmongNewest(node))
        {
            _window.MoveToFirst(node);
        }
    }

    /// <summary>
    /// Before a write makes room for <paramref name="entries"/> more entries of <paramref name="bytes"/> more bytes, which
    /// will enter the window: protected, if over its share, hands its least recent entry to probation; then the window
    /// hands its oldest entries, until those fit in it, to probation as candidates for <see cref="NextToEvict"/>. The list
    /// of candidates is empty here: <see cref="ForgetCandidates"/> ends every write that made room.
    /// </summary>
    internal void PushOutOfWindow(int entries, long bytes)
    {
        if ((_protected.Count > _protectedMaxItems || _protectedBytes > _protectedMaxBytes) && _protected.Count > 0)
        {
            MoveOldestToProbation(_protected);
        }

        while ((_window.Count + entries > _windowMaxItems || _windowBytes + bytes > _windowMaxBytes) && _window.Count > 0)
        {
            _candidates.Add(MoveOldestToProbation(_window));
        }
    }

    /// <summary>
    /// The entry to evict next while the cache is over a limit: the first candidate <see cref="PushOutOfWindow"/> handed to
    /// probation against main's victim: the victim if the candidate was seen more often by more than
    /// <see cref="AdmissionMargin"/>, else the candidate; main's victim
    /// alone when no candidate is left. A candidate that beats a victim stays the candidate for the next comparison.
    /// Never <paramref name="keep"/> or a pinned entry; the caller has checked that enough evictable entries exist.
    /// </summary>
    internal Node<TKey, TValue> NextToEvict(Node<TKey, TValue>? keep)
    {
        Node<TKey, TValue> victim = Victim(keep)
            ?? throw new InvalidOperationException("Window TinyLFU found no entry to evict though the engine counted enough.");
        while (_nextCandidate < _candidates.Count)
        {
            Node<TKey, TValue> candidate = _candidates[_nextCandidate];
            if (candidate.RecencyStamp < ProbationBase || candidate.RecencyStamp >= ProtectedBase || candidate.Pinned || ReferenceEquals(candidate, keep))
            {
                _nextCandidate++; // evicted or moved since, or not evictable: the next one competes
                continue;
            }

            if (ReferenceEquals(candidate, victim) || Frequency(candidate) <= Frequency(victim) + AdmissionMargin)
            {
                _nextCandidate++;
                _ghosts.WindowGaveUp(candidate.SketchHash, _count);
                return candidate;
            }

            _ghosts.MainGaveUp(victim.SketchHash, _count);
            return victim;
        }

        return victim;
    }

    /// <summary>Drops the candidates once a write has made its room: an evicted candidate must not stay reachable from here.</summary>
    internal void ForgetCandidates()
    {
        _candidates.Clear();
        _nextCandidate = 0;
    }

    /// <summary>The node to evict when no candidate competes (a smaller limit, a compaction): main's oldest first, the window's last.</summary>
    internal Node<TKey, TValue>? Victim(Node<TKey, TValue>? keep = null)
        => _probation.OldestEvictable(keep) ?? _protected.OldestEvictable(keep) ?? _window.OldestEvictable(keep);

    /// <summary>Every node, main's probation first, then protected, then the window, each oldest first. Nothing may change meanwhile.</summary>
    internal IEnumerable<Node<TKey, TValue>> All()
    {
        foreach (Node<TKey, TValue> node in _probation.OldestFirst())
        {
            yield return node;
        }

        foreach (Node<TKey, TValue> node in _protected.OldestFirst())
        {
            yield return node;
        }

        foreach (Node<TKey, TValue> node in _window.OldestFirst())
        {
            yield return node;
        }
    }

    /// <summary>Marks every node gone, handing each to <paramref name="visit"/>, and empties the regions.</summary>
    internal void Clear(Action<Node<TKey, TValue>> visit)
    {
        _window.Clear(visit);
        _probation.Clear(visit);
        _protected.Clear(visit);
        _windowBytes = _probationBytes = _protectedBytes = 0;
        Volatile.Write(ref _count, 0);
    }

    /// <summary>Checks the regions' bookkeeping; throws naming what is wrong. Under the lock; O(n).</summary>
    internal void CheckInvariants()
    {
        Check(_window, 0, ProbationBase, _windowBytes, "window");
        Check(_probation, ProbationBase, ProtectedBase, _probationBytes, "probation");
        Check(_protected, ProtectedBase, long.MaxValue, _protectedBytes, "protected");
        if (_window.Count > 1 && (_window.Count > _windowMaxItems || _windowBytes > _windowMaxBytes))
        {
            throw new InvalidOperationException($"Engine invariant broken: the window holds {_window.Count} entries of {_windowBytes} bytes, over its {_windowMaxItems} entries or {_windowMaxBytes} bytes");
        }

        if (_window.Count + _probation.Count + _protected.Count != _count)
        {
            throw new InvalidOperationException($"Engine invariant broken: the regions hold {_window.Count} + {_probation.Count} + {_protected.Count} entries, the policy counts {_count}");
        }

        static void Check(RecencyLog<TKey, TValue> region, long from, long to, long bytes, string name)
        {
            long sum = 0;
            foreach (Node<TKey, TValue> node in region.OldestFirst())
            {
                sum += node.Size;
                if (node.RecencyStamp < from || node.RecencyStamp >= to)
                {
                    throw new InvalidOperationException($"Engine invariant broken: a node in the {name} has stamp {node.RecencyStamp}, outside its range");
                }
            }

            if (sum != bytes || !region.StampsMatchSlots() || region.UnsweptNodes() >= RecencyLog<TKey, TValue>.SweepEvery)
            {
                throw new InvalidOperationException($"Engine invariant broken: the {name}'s sizes add up to {sum}, it counts {bytes}, or its stamps or sweeps are wrong");
            }
        }
    }

    /// <summary>How often the entry was seen lately: the sketch's estimate for its key and the reads it holds uncounted.</summary>
    internal int Frequency(Node<TKey, TValue> node)
        => Math.Min(FrequencySketch.MaxFrequency, _sketch.Frequency(node.SketchHash) + UncountedReads(node));

    /// <summary>
    /// Counts a replayed read in the node, not in the sketch: the node is in the processor's cache (its reader just
    /// loaded it) where the key's sketch block, a random one in a large table, is not. A node counts up to
    /// <see cref="MaxUncountedReads"/> reads and no more; they go to the sketch when the entry leaves
    /// (<see cref="AddUncountedReads"/>), so a key counts at most that many reads per stay.
    /// </summary>
    private void CountRead(Node<TKey, TValue> node)
    {
        node.UncountedReads = (Math.Min(UncountedReads(node) + 1, MaxUncountedReads), _sketch.Halvings);
        _sketch.CountEvent(); // after: a halving it causes ages this read too, as it would a count in the sketch
    }

    /// <summary>
    /// The most reads a node counts. Why not more: seven fits the node's three spare bits, and a resident entry that is
    /// read often is protected by its recency, not by its count; in the model, capping a stay's reads at seven gave a
    /// higher mean hit ratio than also adding each further seven to the sketch (decision 0014), which cost a random
    /// sketch line every seventh hit.
    /// </summary>
    private const int MaxUncountedReads = 7;

    /// <summary>
    /// The node's uncounted reads, aged as the sketch's counters were: halved for each halving of the sketch since the
    /// node last counted one. The node keeps that count modulo 4, which is exact for the three halvings after which
    /// seven reads are none; a node left unread over four or more may keep more than its due.
    /// </summary>
    private int UncountedReads(Node<TKey, TValue> node)
    {
        (int reads, int epoch) = node.UncountedReads;
        return reads >> ((_sketch.Halvings - epoch) & 3);
    }

    /// <summary>Adds the node's uncounted reads to the sketch, for an entry that leaves.</summary>
    private void AddUncountedReads(Node<TKey, TValue> node)
    {
        int reads = UncountedReads(node);
        if (reads > 0)
        {
            _sketch.Add(node.SketchHash, reads);
            node.UncountedReads = (0, 0);
        }
    }

    /// <summary>The region that holds the node, by its stamp.</summary>
    private RecencyLog<TKey, TValue> RegionOf(Node<TKey, TValue> node)
        => node.RecencyStamp >= ProtectedBase ? _protected : node.RecencyStamp >= ProbationBase ? _probation : _window;

    private ref long Bytes(RecencyLog<TKey, TValue> region)
    {
        if (ReferenceEquals(region, _window))
        {
            return ref _windowBytes;
        }

        return ref ReferenceEquals(region, _probation) ? ref _probationBytes : ref _protectedBytes;
    }

    /// <summary>
    /// The most entries the sketch is sized for: the entry limit, else a guess from the size limit (64 bytes an entry, about
    /// the smallest an entry is charged), else 1,024 (with no limit nothing is ever evicted, so nothing asks it).
    /// </summary>
    private static int SketchCeiling(long maxItems, long maxSize)
        => (int)Math.Clamp(maxItems < RecencyLog<TKey, TValue>.MaxCapacity - 1 ? maxItems : maxSize != long.MaxValue ? maxSize / 64 : 1024, 16, RecencyLog<TKey, TValue>.MaxCapacity);
}
