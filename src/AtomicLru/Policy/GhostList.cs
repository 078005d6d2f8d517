using System;
using System.Collections.Generic;

namespace AtomicLru.Policy;

/// <summary>
/// The keys (by their sketch hash) of the last entries one side of Window TinyLFU gave up, oldest forgotten first: a
/// ring of additions in order and, per hash, its latest addition. A hash found (<see cref="Remove"/>) is forgotten at
/// once; its place in the ring is skipped when the ring moves past it. About 28 bytes a ghost. Used only under the
/// engine's policy lock.
/// </summary>
internal sealed class GhostList
{
    private readonly Dictionary<int, int> _latest = [];
    private (int Hash, int Sequence)[] _ring = new (int, int)[16];
    private long _head;
    private long _tail;

    /// <summary>The hashes remembered now.</summary>
    internal int Count => _latest.Count;

    /// <summary>Remembers <paramref name="hash"/>, then forgets the oldest additions until at most <paramref name="capacity"/> are held in the ring.</summary>
    internal void Add(int hash, int capacity)
    {
        if (_tail - _head == _ring.Length)
        {
            Grow();
        }

        _latest[hash] = (int)_tail; // compared for equality only: wrapping past 2^31 is harmless
        _ring[_tail & (_ring.Length - 1)] = (hash, (int)_tail);
        _tail++;
        while (_tail - _head > Math.Max(1, capacity))
        {
            (int oldest, int sequence) = _ring[_head & (_ring.Length - 1)];
            _head++;
            if (_latest.TryGetValue(oldest, out int latest) && latest == sequence)
            {
                _latest.Remove(oldest); // not added again since: forgotten
            }
        }
    }

    /// <summary>True, and forgets it, if <paramref name="hash"/> is remembered.</summary>
    internal bool Remove(int hash) => _latest.Remove(hash);

    private void Grow()
    {
        var ring = new (int, int)[_ring.Length * 2];
        for (long i = _head; i < _tail; i++)
        {
            ring[i & (ring.Length - 1)] = _ring[i & (_ring.Length - 1)];
        }

        _ring = ring;
    }
}
