// ┌──────────────────────────────────────────────────────────────────────────────────────────────┐
// │ How the engine is built, and why it is safe                                                  │
// └──────────────────────────────────────────────────────────────────────────────────────────────┘
// (The long form, with the linearizability argument point by point: docs/design.md.)
//
// Every face of AtomicLru (AtomicLruStorage<T>, the serialized cache, IMemoryCache, IDistributedCache)
// is this one engine: a hash table of nodes for lookups, a recency log for the LRU order (an append-only
// ring of node references: moving a node to the front appends it and empties its old slot, so the least
// recently used node is the first one found from the head; unlike a linked list, it never touches a
// node's neighbours), and a timer wheel for expiry, with one policy lock that every write takes and that
// no read needs. The engine owns that lock with the size and the counters (PolicyState); the lock's word
// shares a padded cache line with the log's ends, the size and the eviction count (PolicyLine): a write
// changes all of them, so when two threads write by turns they cross between cores as one line, not five
// (see PolicyLock for the lock itself: spin briefly, then block).
//
// Reads (TryGet). A reader finds the node in the NodeTable without a lock (see NodeTable for why a
// lock-free walk never misses a key that stays in the table), checks its expiry against the clock (a
// clock read only for entries that have one) and reads the value. It then records the hit: it appends
// the node to its thread's stripe of the ReadBuffer (plain stores on a stripe the thread owns, one
// compare-and-swap on a stripe shared by threads whose own stripe was taken; the slot it claims is also
// what counts the hit). Nothing shared by all readers is written, so reads scale with cores. When its
// stripe is full, the reader replays the stripe's records
// into the recency log under the lock if the lock is free (TryEnter); if another thread holds it, the
// record is dropped. That is the only way recency is lost, and it needs two threads at once: in
// sequential use the lock is always free, so every read reaches the recency log, in order.
// An expired entry found by a read is a miss, and the reader removes it under the lock (a write).
//
// Writes (Set, GetOrAdd's add, Remove, Clear) take the lock and, before deciding anything, (1) replay
// every stripe's pending reads, so the LRU order they act on includes every read that completed before
// the write, and (2) advance the timer wheel to now, which reclaims entries whose expiry has passed.
// One exception to (1): a Set or GetOrAdd that had to wait while another Set or GetOrAdd held the lock
// (PolicyLock.EnterWrite tells it) replays only its own thread's stripe. The two calls overlapped, so this
// is contention, where the contract lets a read's recency arrive late; the skipped records are replayed by their
// owner's next write or by the next write that finds the lock free, in order. In sequential use no write
// overlaps another, so every write replays every stripe and the order stays exact. Why: with two threads
// writing by turns, reading the other thread's stripe was one more cache line crossing between the cores
// inside the lock on every write. Such a write also leaves in place a node already among the newest quarter
// of the log (see ReplayReadUnderContention): moving a hot node wrote a line both cores read
// (docs/decisions/0006-overlapping-writes.md).
// Then the write evicts from the cold end of the log until what it adds fits within MaxItems and the
// size limit (the entry being written is never the victim), and only then changes the table, the log
// and the wheel, so that even a lock-free reader of Count never sees a limit exceeded.
// All of this happens before the lock is released, so once Set returns, Count <= MaxItems and
// Size <= the size limit, under any concurrency. Removal notifications are collected under the lock and
// delivered after it is released, so a listener may call back into the cache without deadlock; each is delivered
// even if the listener throws for another, and what it threw is rethrown after (decision 0016).
//
// Node reuse. A write that evicts a node to make room for an entry of the same kind (plain, or timed) reuses
// the victim's node for it instead of allocating one: no garbage per miss, and the node is in cache already. A
// reader may still be on the node when it changes key, value, expiry and chain, so every lock-free lookup
// validates what it read with the node's recency stamp, which a reuse sets to Gone before and to a
// never-before-used value after (see NodeTable.Find). Sliding nodes are never reused: readers slide their
// expiry by a compare-and-swap that no stamp check could order.
//
// Overwrites. For reference-type values a Set on an existing key updates the node in place (no
// allocation): it stores the value, then the expiry with a release write; a reader loads the expiry
// first (acquire), then the value, so it never pairs a fresh expiry with a stale value. A reader that
// pairs an old value with its old, unexpired expiry linearizes before the Set. Value-type values may be
// wider than an atomic write, and a change of expiry kind needs another class of node, so those overwrites
// put in a new node instead (ReplaceLocked): it is published at the head of the key's chain while the old
// node is still linked and valid, and only then is the old one unlinked and marked Gone. A reader sees the
// old node or the new one, never neither and never a torn value.
//
// Expiry. The TimerWheel holds every node that has an expiry (a TimedNode: entries stored without one are
// plain Nodes, 16 bytes smaller, since they need no wheel links). Writes advance it, and so does a periodic
// timer made from the TimeProvider (ExpirationScanFrequency), so expired entries are reclaimed within
// about a second without waiting for a read or a write, and without a scan of the cache. A read never
// returns an expired entry, whether or not the wheel has reached it yet. Sliding entries (SlidingNode)
// are renewed by reads without the lock: a compare-and-swap from the expiry the reader checked, so a
// writer that replaced the entry meanwhile (and wrote its own expiry last) always wins; the wheel finds
// the later expiry when it reaches the old bucket and schedules the node again. Live is judged on an expiry
// loaded before the clock, expired on one loaded after it (Node.HasExpired, which also pins a sliding node's
// expiry in the past, so that a reader that saw it live earlier cannot slide it back to life).
// The timer's callback skips when its thread already holds the lock: a TimeProvider may run due timers
// on any thread that reads its clock, including a writer inside its locked section.
//
// Linearizability. Every write happens entirely under the lock, so writes are totally ordered. A read's
// result is the state at the moment it loaded the node (and its expiry), which the stamp check confirms was
// still the key's node: a hit means the key was present then; a miss means the key's chain did not hold it
// at that moment. Recency updates from reads are the
// only thing applied late: before the next write decides what to evict, or, when writes overlap, before
// the next write of the thread that read (see Writes above).
//
// Window TinyLFU (EvictionPolicy.TinyLfu, WindowTinyLfu). The recency log above becomes the admission window (its
// share of the limits moved by ghosts of the keys each side gave up); probation and protected are two more logs,
// numbered from 2^60 and 2^61 so that stamps stay unique across regions and say which region holds a node.
// Everything above holds unchanged: reads are the same lock-free lookups; replayed reads are also counted (in the
// node, up to seven, which go to the frequency sketch when the entry leaves) and promote probation nodes (a move
// between logs changes the stamp as a move within one does), never demoting: writes give protected's overflow back;
// a write makes room before it lands, choosing between the window's overflow and main's oldest by frequency, never
// the entry being written. Only which entry is evicted differs.
//
// Counters. Hits and misses are summed over the stripes (a hit that claimed a slot is counted by the
// stripe's tail, so it costs no second write, and on an owned stripe no atomic operation); every other
// statistic is written under the lock. Count and Size are fields written under the lock and read with a
// volatile load.

using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;
using AtomicLru.Policy;

namespace AtomicLru.Engine;

/// <summary>
/// The LRU/TTL engine behind every face of AtomicLru. See the header of this file for its design. The class is split
/// by concern: this file (state, construction, disposal), <c>.Lookups</c> (lock-free reads and read recording),
/// <c>.Writes</c> (Set, GetOrAdd, Remove, Clear and the structural changes under the lock), <c>.Eviction</c>
/// (making room, maintenance, the timer), <c>.Notifications</c> (removal reports and counters), <c>.Invariants</c>.
/// </summary>
internal sealed partial class LruEngine<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private readonly NodeTable<TKey, TValue> _table;
    private readonly PolicyState _policy = new();
    private readonly RecencyLog<TKey, TValue> _recency;

    /// <summary>Window TinyLFU's regions and sketch, or null for exact LRU. With it, <see cref="_recency"/> is its window.</summary>
    private readonly WindowTinyLfu<TKey, TValue>? _lfu;
    private readonly ReadBuffer<TKey, TValue> _readBuffer = new();
    private readonly TimerWheel<TKey, TValue> _wheel;
    private readonly EngineClock _clock;

    private readonly IRemovalListener<TKey, TValue>? _listener;
    private readonly Action<Node<TKey, TValue>> _replayRead;
    private readonly Action<Node<TKey, TValue>> _replayReadUnderContention;
    private readonly Action<TimedNode<TKey, TValue>> _expire;
    // The limits: written under the lock (by the constructor and Reconfigure) and read only under it.
    private long _maxItems;
    private long _maxSize;

    /// <summary>
    /// The largest entry whose eviction may leave its node reachable from the recency log until the log's next
    /// sweep (see <see cref="RecencyLog{TKey,TValue}"/>): 1 KB, or a 64th of the size limit if that is less. At most
    /// seven such entries wait, so they hold at most a ninth of the limit beyond it, and at most 7 KB.
    /// </summary>
    private long _sweepLaterMaxSize;
    private long _maxItemSize;
    private readonly string _ownerName;
    private ITimer? _timer;
    private volatile bool _disposed;

    // Under the lock.
    private List<Removal<TKey, TValue>>? _pendingRemovals;

    /// <summary>A list handed back after its removals were reported, reused by the next write: no allocation per eviction.</summary>
    private List<Removal<TKey, TValue>>? _spareRemovals;

    /// <param name="maxItems">Most entries held; null for no limit.</param>
    /// <param name="maxSize">Most total <see cref="Node{TKey,TValue}.Size"/> held; null for no limit.</param>
    /// <param name="timeProvider">Where time comes from; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="expirationScanFrequency">How often the background timer reclaims expired entries.</param>
    /// <param name="comparer">Key comparer; null for the default.</param>
    /// <param name="listener">Told of every removal, outside the lock; null for nobody.</param>
    /// <param name="maxItemSize">Largest size one entry may have (never more than <paramref name="maxSize"/>, nor than
    /// 2^56 - 1, the most a node can carry);
    /// a bigger one is refused. Null for <paramref name="maxSize"/>.</param>
    /// <param name="ownerName">The public type the caller holds, named by <see cref="ObjectDisposedException"/> after disposal.</param>
    /// <param name="evictionPolicy">Which entry leaves when room must be made.</param>
    internal LruEngine(
        int? maxItems,
        long? maxSize,
        TimeProvider? timeProvider,
        TimeSpan expirationScanFrequency,
        IEqualityComparer<TKey>? comparer = null,
        IRemovalListener<TKey, TValue>? listener = null,
        long? maxItemSize = null,
        string? ownerName = null,
        AtomicLruEvictionPolicy evictionPolicy = AtomicLruEvictionPolicy.Lru)
    {
        _ownerName = ownerName ?? GetType().Name;
        SetLimits(maxItems, maxSize, maxItemSize);
        _clock = new EngineClock(timeProvider);
        _table = new NodeTable<TKey, TValue>(comparer);
        _recency = new RecencyLog<TKey, TValue>(_policy);
        _lfu = evictionPolicy == AtomicLruEvictionPolicy.TinyLfu ? new WindowTinyLfu<TKey, TValue>(_recency, _maxItems, _maxSize) : null;
        _wheel = new TimerWheel<TKey, TValue>(_clock.TicksPerSecond, _clock.Now());
        _listener = listener;
        _replayRead = ReplayRead;
        _replayReadUnderContention = ReplayReadUnderContention;
        _expire = node => RemoveLocked(node, RemovalReason.Expired);
        StartTimer(expirationScanFrequency);
    }

    internal EngineClock Clock => _clock;

    /// <summary>The policy lock and the figures it guards. For tests that hold the lock to make a write overlap another.</summary>
    internal PolicyState Policy => _policy;

    /// <summary>Window TinyLFU's state, or null under exact LRU. For tests.</summary>
    internal WindowTinyLfu<TKey, TValue>? TinyLfu => _lfu;

    /// <summary>
    /// Changes the limits and the reclaim period of a running engine. Before it returns, the least recently used
    /// entries (never pinned ones) are evicted, as <see cref="RemovalReason.Capacity"/>, until what is held fits
    /// the new limits; entries that fit stay. Entries already held that are bigger than a smaller
    /// <paramref name="maxItemSize"/> stay too: the per-entry limit decides what a write stores, not what stays.
    /// If pinned entries alone exceed a limit they stay, and writes that would add are refused until they go.
    /// Does nothing after disposal.
    /// </summary>
    internal void Reconfigure(int? maxItems, long? maxSize, long? maxItemSize, TimeSpan expirationScanFrequency)
    {
        _policy.Enter();
        try
        {
            if (_disposed)
            {
                return;
            }

            MaintainLocked();
            SetLimits(maxItems, maxSize, maxItemSize);
            _lfu?.SetLimits(_maxItems, _maxSize);
            while ((Count > _maxItems || _policy.Size > _maxSize) && EvictOldestLocked())
            {
            }

            _timer?.Change(expirationScanFrequency, expirationScanFrequency);
        }
        finally
        {
            ExitAndNotify();
        }
    }

    /// <summary>Sets the limits; under the lock, or in the constructor.</summary>
    private void SetLimits(int? maxItems, long? maxSize, long? maxItemSize)
    {
        _maxItems = Math.Min(maxItems ?? long.MaxValue, RecencyLog<TKey, TValue>.MaxCapacity - 1); // the log's room, with a slot to spare for a move
        _maxSize = maxSize ?? long.MaxValue;
        _sweepLaterMaxSize = Math.Min(1024, _maxSize / 64);
        _maxItemSize = Math.Min(Math.Min(maxItemSize ?? _maxSize, _maxSize), Node<TKey, TValue>.MaxSize - 1);
    }

    /// <summary>The hash table, for tests that play a lock-free reader step by step.</summary>
    internal NodeTable<TKey, TValue> Table => _table;

    /// <summary>Renumbers the recency log from <paramref name="first"/> on (see <see cref="RecencyLog{TKey,TValue}.RenumberFrom"/>). For tests.</summary>
    internal void RenumberRecency(long first)
    {
        _policy.Enter();
        try
        {
            _recency.RenumberFrom(first);
        }
        finally
        {
            _policy.Exit();
        }
    }

    /// <summary>Entries held, including expired ones the wheel has not reclaimed yet (at most a second late).</summary>
    internal int Count => _lfu is null ? _recency.Count : _lfu.Count;

    /// <summary>Every node held; in exact LRU, least recent first. Under the lock, with nothing changing meanwhile.</summary>
    private IEnumerable<Node<TKey, TValue>> NodesLocked() => _lfu is null ? _recency.OldestFirst() : _lfu.All();

    /// <summary>Sum of the sizes of the entries held.</summary>
    internal long Size => _policy.Size;

    internal bool IsDisposed => _disposed;

    /// <summary>Stops the background timer and drops every entry (without notifications). Idempotent.</summary>
    public void Dispose() => Dispose(dropped: null);

    /// <summary>
    /// Stops the background timer and drops every entry without removal notifications, handing each dropped value to
    /// <paramref name="dropped"/> after the lock is released (so it may block or call back). Idempotent.
    /// </summary>
    internal void Dispose(Action<TValue>? dropped)
    {
        if (_disposed)
        {
            return;
        }

        List<TValue>? values = null;
        _policy.Enter();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer?.Dispose();
            _timer = null;
            if (dropped is not null)
            {
                values = new List<TValue>(Count);
                foreach (Node<TKey, TValue> node in NodesLocked())
                {
                    values.Add(node.Value);
                }
            }

            ClearLocked(report: false);
        }
        finally
        {
            _policy.Exit();
        }

        if (values is not null)
        {
            foreach (TValue value in values)
            {
                dropped!(value);
            }
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowDisposed();
        }
    }

    [DoesNotReturn]
    private void ThrowDisposed() => throw new ObjectDisposedException(_ownerName);
}
