using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>
/// What the engine's writes share: the policy lock and the object its waiters block on, the total size, the pinned
/// figures and the removal counters. The engine owns it; the recency log keeps its ends here too, lent through
/// <see cref="RecencyHead"/> and its siblings, because every write changes them along with the lock and the size
/// and they must cross between cores on the same cache line (see <see cref="PolicyLine"/>).
/// </summary>
/// <remarks>
/// Every field is written under the lock. <see cref="Size"/>, <see cref="CapacityEvictions"/> and the snapshot's
/// counters are read without it, with volatile loads: statistics may trail a write in progress, never tear.
/// </remarks>
internal sealed class PolicyState
{
    /// <summary>What a thread waiting for the lock blocks on (see <see cref="PolicyLock"/>).</summary>
    private readonly object _gate = new();
    private PolicyLine _line;

    /// <summary>True if the calling thread holds the lock.</summary>
    internal bool IsHeldByCurrentThread => _line.Lock.IsHeldByCurrentThread;

    /// <summary>True while a thread waits for the lock, having marked it contended. For tests that make writes overlap.</summary>
    internal bool HasWaiter => Volatile.Read(ref _line.Lock.State) == PolicyLock.Contended;

    /// <summary>Sum of the sizes of the entries held.</summary>
    internal long Size => Volatile.Read(ref _line.Size);

    /// <summary>Entries evicted to make room, ever; a write compares it before and after making room.</summary>
    internal long CapacityEvictions => Volatile.Read(ref _line.CapacityEvictions);

    /// <summary>Entries that eviction must skip (see <c>LruEngine.CountPinnedLocked</c>).</summary>
    internal long PinnedCount => _line.PinnedCount;

    /// <summary>Sum of the sizes of the pinned entries.</summary>
    internal long PinnedSize => _line.PinnedSize;

    /// <summary>The recency log's first sequence number in use; only the log uses it.</summary>
    internal ref long RecencyHead => ref _line.Head;

    /// <summary>The recency log's next sequence number; only the log uses it.</summary>
    internal ref long RecencyTail => ref _line.Tail;

    /// <summary>Nodes in the recency log; only the log writes it.</summary>
    internal ref int RecencyCount => ref _line.Count;

    /// <summary>Slots behind the log's head not yet swept; only the log uses it.</summary>
    internal ref int RecencyUnswept => ref _line.Unswept;

    /// <summary>Takes the lock, waiting while another thread holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Enter() => _line.Lock.Enter(_gate);

    /// <summary>Takes the lock for a user write; true if it waited for another user write (see <see cref="PolicyLock.EnterWrite"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool EnterWrite() => _line.Lock.EnterWrite(_gate);

    /// <summary>Takes the lock if it is free; never waits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryEnter() => _line.Lock.TryEnter();

    /// <summary>Releases the lock, which the calling thread holds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Exit() => _line.Lock.Exit(_gate);

    /// <summary>Adds <paramref name="delta"/> (negative to take away) to the total size; a volatile store, for lock-free readers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddSize(long delta) => Volatile.Write(ref _line.Size, _line.Size + delta);

    /// <summary>Counts an entry of <paramref name="size"/> as pinned (<paramref name="sign"/> 1) or no longer pinned (-1).</summary>
    internal void AddPinned(long size, int sign)
    {
        _line.PinnedCount += sign;
        _line.PinnedSize += sign * size;
    }

    /// <summary>The cache is empty: no size, nothing pinned. The counters go on.</summary>
    internal void ResetSizes()
    {
        Volatile.Write(ref _line.Size, 0);
        _line.PinnedCount = 0;
        _line.PinnedSize = 0;
    }

    /// <summary>Counts one removal under its statistic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CountRemoval(RemovalReason reason)
    {
        switch (reason)
        {
            case RemovalReason.Capacity: _line.CapacityEvictions++; break;
            case RemovalReason.Expired: _line.Expirations++; break;
            case RemovalReason.Removed: _line.Removals++; break;
            case RemovalReason.Replaced: _line.Replacements++; break;
            case RemovalReason.Cleared: _line.ClearedEntries++; break;
            case RemovalReason.Oversized: _line.OversizedRejections++; break;
            case RemovalReason.TokenExpired: _line.Expirations++; break;
        }
    }

    /// <summary>The counters, with the figures that live elsewhere (read counts, entry count) given by the engine.</summary>
    internal EngineCounters Snapshot(long hits, long misses, int count) => new(
        Hits: hits,
        Misses: misses,
        Count: count,
        Size: Size,
        CapacityEvictions: CapacityEvictions,
        Expirations: Volatile.Read(ref _line.Expirations),
        Removals: Volatile.Read(ref _line.Removals),
        Replacements: Volatile.Read(ref _line.Replacements),
        ClearedEntries: Volatile.Read(ref _line.ClearedEntries),
        OversizedRejections: Volatile.Read(ref _line.OversizedRejections));
}
