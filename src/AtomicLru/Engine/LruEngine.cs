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
// no read needs. The lock's word shares a padded cache line with the log's ends, the size and the eviction
// count (PolicyLine): a write changes all of them, so when two threads write by turns they cross between
// cores as one line, not five (see PolicyLock for the lock itself: spin briefly, then block).
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
// delivered after it is released, so a listener may call back into the cache without deadlock.
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
// the later expiry when it reaches the old bucket and schedules the node again.
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
// Counters. Hits and misses are summed over the stripes (a hit that claimed a slot is counted by the
// stripe's tail, so it costs no second write, and on an owned stripe no atomic operation); every other
// statistic is written under the lock. Count and Size are fields written under the lock and read with a
// volatile load.

using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>The LRU/TTL engine behind every face of AtomicLru. See the header of this file for its design.</summary>
internal sealed class LruEngine<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private readonly NodeTable<TKey, TValue> _table;
    private readonly RecencyLog<TKey, TValue> _lru = new();
    private readonly ReadBuffer<TKey, TValue> _readBuffer = new();
    private readonly TimerWheel<TKey, TValue> _wheel;
    private readonly EngineClock _clock;

    /// <summary>What a thread waiting for the policy lock (<see cref="PolicyLine.Lock"/>) waits on; see <see cref="PolicyLock"/>.</summary>
    private readonly object _lockGate = new();
    private readonly IRemovalListener<TKey, TValue>? _listener;
    private readonly Action<Node<TKey, TValue>> _replayRead;
    private readonly Action<Node<TKey, TValue>> _replayReadUnderContention;
    private readonly Action<TimedNode<TKey, TValue>> _expire;
    private readonly long _maxItems;
    private readonly long _maxSize;

    /// <summary>
    /// The largest entry whose eviction may leave its node reachable from the recency log until the log's next
    /// sweep (see <see cref="RecencyLog{TKey,TValue}"/>): 1 KB, or a 64th of the size limit if that is less. At most
    /// seven such entries wait, so they hold at most a ninth of the limit beyond it, and at most 7 KB.
    /// </summary>
    private readonly long _sweepLaterMaxSize;
    private readonly long _maxItemSize;
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
    internal LruEngine(
        int? maxItems,
        long? maxSize,
        TimeProvider? timeProvider,
        TimeSpan expirationScanFrequency,
        IEqualityComparer<TKey>? comparer = null,
        IRemovalListener<TKey, TValue>? listener = null,
        long? maxItemSize = null,
        string? ownerName = null)
    {
        _ownerName = ownerName ?? GetType().Name;
        _maxItems = Math.Min(maxItems ?? long.MaxValue, RecencyLog<TKey, TValue>.MaxCapacity - 1); // the log's room, with a slot to spare for a move
        _maxSize = maxSize ?? long.MaxValue;
        _sweepLaterMaxSize = Math.Min(1024, _maxSize / 64);
        _maxItemSize = Math.Min(Math.Min(maxItemSize ?? _maxSize, _maxSize), Node<TKey, TValue>.MaxSize - 1);
        _clock = new EngineClock(timeProvider);
        _table = new NodeTable<TKey, TValue>(comparer);
        _wheel = new TimerWheel<TKey, TValue>(_clock.TicksPerSecond, _clock.Now());
        _listener = listener;
        _replayRead = ReplayRead;
        _replayReadUnderContention = ReplayReadUnderContention;
        _expire = node => RemoveLocked(node, RemovalReason.Expired);
        StartTimer(expirationScanFrequency);
    }

    internal EngineClock Clock => _clock;

    /// <summary>The hash table, for tests that play a lock-free reader step by step.</summary>
    internal NodeTable<TKey, TValue> Table => _table;

    /// <summary>Renumbers the recency log from <paramref name="first"/> on (see <see cref="RecencyLog{TKey,TValue}.RenumberFrom"/>). For tests.</summary>
    internal void RenumberRecency(long first)
    {
        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            _lru.RenumberFrom(first);
        }
        finally
        {
            _lru.Line.Lock.Exit(_lockGate);
        }
    }

    /// <summary>Entries held, including expired ones the wheel has not reclaimed yet (at most a second late).</summary>
    internal int Count => _lru.Count;

    /// <summary>Sum of the sizes of the entries held.</summary>
    internal long Size => Volatile.Read(ref _lru.Line.Size);

    internal bool IsDisposed => _disposed;

    /// <summary>Looks a key up without a lock; a hit refreshes recency and counts as a hit, a miss as a miss.</summary>
    internal bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value) => TryGetCore(key, out value, countStatistics: true);

    /// <summary>
    /// Turns the hit the calling thread's last <see cref="TryGet"/> counted into a miss: for a face that found the
    /// entry but must not return it (an IMemoryCache entry whose polled change token has fired). A hit is counted as
    /// the stripe's records less its uncounted ones, so one more uncounted record takes it back.
    /// </summary>
    internal void RecountHitAsMiss()
    {
        ReadBuffer<TKey, TValue>.Stripe stripe = _readBuffer.Current;
        stripe.Increment(ref stripe.Counters.UncountedRecords);
        stripe.Increment(ref stripe.Counters.Misses);
    }

    /// <summary>Like <see cref="TryGet"/>, but leaves the hit and miss counters alone.</summary>
    internal bool TryGetUncounted(TKey key, [MaybeNullWhen(false)] out TValue value) => TryGetCore(key, out value, countStatistics: false);

    private bool TryGetCore(TKey key, [MaybeNullWhen(false)] out TValue value, bool countStatistics)
    {
        ThrowIfDisposed();
        Node<TKey, TValue>? node;
        while ((node = _table.Find(key, out long stamp)) is not null)
        {
            if (IsLiveAndSlid(node))
            {
                value = node.Value;
                if (!NodeTable<TKey, TValue>.StillHolds(node, stamp))
                {
                    continue; // reused for another key, or only moved, while we read it: look again
                }

                RecordRead(node, countStatistics);
                return true;
            }

            // Expired: the key's node, or, if the node was evicted and reused since Find, that of a key evicted
            // meanwhile (a miss is then right too). RemoveExpired checks the expiry again under the lock.
            RemoveExpired(node);
            break;
        }

        if (countStatistics)
        {
            ReadBuffer<TKey, TValue>.Stripe stripe = _readBuffer.Current;
            stripe.Increment(ref stripe.Counters.Misses);
        }

        value = default;
        return false;
    }

    /// <summary>
    /// True if the node is unexpired now; a sliding node's expiry then moves forward. Its expiry is read
    /// before its value (acquire), which pairs with writers storing the value before the expiry.
    /// </summary>
    private bool IsLiveAndSlid(Node<TKey, TValue> node)
    {
        long expiresAt = Volatile.Read(ref node.ExpiresAt);
        if (expiresAt == Node<TKey, TValue>.Never)
        {
            return true;
        }

        long now = _clock.Now();
        if (now >= expiresAt)
        {
            return false;
        }

        if (node.Kind == NodeKind.Sliding)
        {
            var sliding = Unsafe.As<SlidingNode<TKey, TValue>>(node);
            long slid = sliding.SlideFrom(now);
            if (slid > expiresAt)
            {
                Interlocked.CompareExchange(ref node.ExpiresAt, slid, expiresAt);
            }
        }

        return true;
    }

    /// <summary>
    /// Slides the key's expiry and refreshes its recency, as a read does, without returning the value or
    /// counting a hit or miss. True if an unexpired entry was there.
    /// </summary>
    internal bool Refresh(TKey key) => TryGetCore(key, out _, countStatistics: false);

    /// <summary>True if the key has an unexpired entry. Leaves recency and statistics alone.</summary>
    internal bool ContainsKey(TKey key)
    {
        ThrowIfDisposed();
        Node<TKey, TValue>? node;
        while ((node = _table.Find(key, out long stamp)) is not null)
        {
            long expiresAt = Volatile.Read(ref node.ExpiresAt);
            if (NodeTable<TKey, TValue>.StillHolds(node, stamp))
            {
                return expiresAt == Node<TKey, TValue>.Never || _clock.Now() < expiresAt;
            }
        }

        return false;
    }

    private void RecordRead(Node<TKey, TValue> node, bool countStatistics)
    {
        ReadBuffer<TKey, TValue>.Stripe stripe = _readBuffer.Current;
        ReadBuffer<TKey, TValue>.AppendResult appended = stripe.TryAppend(node);
        if (appended == ReadBuffer<TKey, TValue>.AppendResult.Full && _lru.Line.Lock.TryEnter())
        {
            try
            {
                stripe.Drain(_replayRead); // only this stripe: writes drain the others before deciding
            }
            finally
            {
                _lru.Line.Lock.Exit(_lockGate);
            }

            appended = stripe.TryAppend(node);
        }

        // A counted hit that claimed a slot is counted by that slot (ReadBuffer.TotalHits): no second atomic operation.
        if (appended == ReadBuffer<TKey, TValue>.AppendResult.Success)
        {
            if (!countStatistics)
            {
                stripe.Increment(ref stripe.Counters.UncountedRecords);
            }
        }
        else if (countStatistics)
        {
            stripe.Increment(ref stripe.Counters.UnrecordedHits);
        }
    }

    private void ReplayRead(Node<TKey, TValue> node)
    {
        if (node.InRecencyLog)
        {
            _lru.MoveToFirst(node);
        }
    }

    /// <summary>
    /// Replays a read for a write that overlapped another (see the file header): a node already among the newest
    /// quarter of the log stays where it is. Why: under Zipf-like load most reads hit a few hot nodes, which both
    /// cores keep in their caches; moving one writes its stamp, so the move cost the lock holder a cache-line
    /// transfer and the other core's next read of that node another. Recency the move would have given is applied
    /// late, when the node has aged past that quarter, which the contract allows under contention.
    /// </summary>
    private void ReplayReadUnderContention(Node<TKey, TValue> node)
    {
        if (node.InRecencyLog && !_lru.IsAmongNewest(node))
        {
            _lru.MoveToFirst(node);
        }
    }

    /// <summary>
    /// Stores a value, making the key the most recent, after evicting least recently used entries until it
    /// fits within the limits. <paramref name="ttl"/> is positive or <see cref="Timeout.InfiniteTimeSpan"/>.
    /// A value larger than the per-entry maximum is not stored, and the key's older value is removed (a stale
    /// value is worse than a miss): the new value is reported as <see cref="RemovalReason.Oversized"/>.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="ttl">Time to live from now; with <paramref name="sliding"/>, the absolute limit of the sliding window.</param>
    /// <param name="size">What the entry charges against the size limit.</param>
    /// <param name="sliding">A sliding expiry: each read keeps the entry for this long again (never past <paramref name="ttl"/>); zero for none.</param>
    /// <param name="pinned">Never evict the entry for capacity. If the pinned entries alone leave no room for a
    /// write, that write is refused (reported as <see cref="RemovalReason.Capacity"/>) rather than breaking a limit.</param>
    /// <returns>True if the value was stored; false if it was too large or no room could be made.</returns>
    internal bool Set(TKey key, TValue value, TimeSpan ttl, long size, TimeSpan sliding = default, bool pinned = false)
    {
        int hash = _table.GetHash(key);
        Node<TKey, TValue>? nextVictim = null;
        bool overlapped = _lru.Line.Lock.EnterWrite(_lockGate);
        try
        {
            ThrowIfDisposed(); // under the lock: a Dispose that ran meanwhile must not find the entry added after it
            hash = _table.HashLocked(key, hash);
            long now = MaintainLocked(needsClock: ttl != Timeout.InfiniteTimeSpan || sliding > TimeSpan.Zero, ownStripeOnly: overlapped);
            Node<TKey, TValue>? node = _table.FindLocked(key, hash);
            if (size > _maxItemSize)
            {
                if (node is not null)
                {
                    RemoveLocked(node, node.ExpiresAt <= now ? RemovalReason.Expired : RemovalReason.Replaced);
                }

                RecordRemovalLocked(key, value, size, RemovalReason.Oversized);
                return false;
            }

            long expiresAt = _clock.ExpiryFrom(now, ttl);
            long slidingTicks = sliding > TimeSpan.Zero ? _clock.Duration(sliding) : 0;
            long cap = expiresAt;
            if (slidingTicks > 0)
            {
                expiresAt = Math.Min(cap, now > long.MaxValue - slidingTicks ? long.MaxValue : now + slidingTicks);
            }

            // In place only where a reader cannot tear the value and the node is of the right kind: a
            // sliding node for a sliding entry, and a node with wheel links for one that expires.
            if (node is not null && !typeof(TValue).IsValueType && (node.Kind == NodeKind.Sliding) == (slidingTicks > 0)
                && (expiresAt == Node<TKey, TValue>.Never || node.Kind != NodeKind.Plain))
            {
                RemovalReason oldValueLeaves = node.ExpiresAt <= now ? RemovalReason.Expired : RemovalReason.Replaced;
                if (!MakeRoomLocked(0, size - node.Size, keep: node, out _))
                {
                    RemoveLocked(node, oldValueLeaves);
                    RecordRemovalLocked(key, value, size, RemovalReason.Capacity);
                    return false;
                }

                RecordRemovalLocked(node.Key, node.Value, node.Size, oldValueLeaves);
                CountPinnedLocked(node, -1);
                Volatile.Write(ref _lru.Line.Size, _lru.Line.Size + size - node.Size);
                node.Size = size;
                node.Pinned = pinned;
                CountPinnedLocked(node, +1);
                if (node.Kind == NodeKind.Sliding)
                {
                    var slidingNode = Unsafe.As<SlidingNode<TKey, TValue>>(node);
                    slidingNode.Sliding = slidingTicks;
                    slidingNode.Cap = cap;
                }

                node.Value = value;
                Volatile.Write(ref node.ExpiresAt, expiresAt);
                if (node.Kind != NodeKind.Plain)
                {
                    var timed = Unsafe.As<TimedNode<TKey, TValue>>(node);
                    _wheel.Unschedule(timed);
                    if (expiresAt != Node<TKey, TValue>.Never)
                    {
                        _wheel.Schedule(timed);
                    }
                }

                _lru.MoveToFirst(node);
            }
            else
            {
                // A new node: added, or put in the old one's place so that a reader finds one or the other throughout.
                long evictionsBefore = _lru.Line.CapacityEvictions;
                bool replaces = node is not null;
                if (!MakeRoomLocked(replaces ? 0 : 1, replaces ? size - node!.Size : size, keep: node, out Node<TKey, TValue>? reusable))
                {
                    if (node is not null)
                    {
                        RemoveLocked(node, node.ExpiresAt <= now ? RemovalReason.Expired : RemovalReason.Replaced);
                    }

                    RecordRemovalLocked(key, value, size, RemovalReason.Capacity);
                    return false;
                }

                Node<TKey, TValue> added = slidingTicks > 0
                    ? new SlidingNode<TKey, TValue>(key, hash, value, expiresAt, size, slidingTicks, cap)
                    : NewNode(key, hash, value, expiresAt, size, reusable);
                added.Pinned = pinned;
                if (node is null)
                {
                    AddLocked(added);
                }
                else
                {
                    ReplaceLocked(node, added, node.ExpiresAt <= now ? RemovalReason.Expired : RemovalReason.Replaced);
                }

                nextVictim = NextVictimIfEvictedLocked(evictionsBefore);
            }

            return true;
        }
        finally
        {
            ExitAndNotify();
            LoadAhead(nextVictim);
        }
    }

    /// <summary>
    /// Returns the unexpired value under the key (refreshing its recency) if there is one; otherwise
    /// stores <paramref name="value"/> as <see cref="Set"/> does (unless it is too large) and returns it.
    /// </summary>
    internal TValue GetOrAdd(TKey key, TValue value, TimeSpan ttl, long size)
    {
        int hash = _table.GetHash(key);
        Node<TKey, TValue>? nextVictim = null;
        bool overlapped = _lru.Line.Lock.EnterWrite(_lockGate);
        try
        {
            ThrowIfDisposed();
            hash = _table.HashLocked(key, hash);
            long now = MaintainLocked(needsClock: ttl != Timeout.InfiniteTimeSpan, ownStripeOnly: overlapped);
            Node<TKey, TValue>? node = _table.FindLocked(key, hash);
            if (node is not null)
            {
                if (node.ExpiresAt > now)
                {
                    _lru.MoveToFirst(node);
                    return node.Value;
                }

                RemoveLocked(node, RemovalReason.Expired);
            }

            if (size > _maxItemSize)
            {
                RecordRemovalLocked(key, value, size, RemovalReason.Oversized);
                return value;
            }

            long evictionsBefore = _lru.Line.CapacityEvictions;
            if (!MakeRoomLocked(1, size, keep: null, out Node<TKey, TValue>? reusable))
            {
                RecordRemovalLocked(key, value, size, RemovalReason.Capacity);
                return value;
            }

            AddLocked(NewNode(key, hash, value, _clock.ExpiryFrom(now, ttl), size, reusable));
            nextVictim = NextVictimIfEvictedLocked(evictionsBefore);
            return value;
        }
        finally
        {
            ExitAndNotify();
            LoadAhead(nextVictim);
        }
    }

    /// <summary>Removes the key's entry; true if there was an unexpired one.</summary>
    internal bool Remove(TKey key)
    {
        int hash = _table.GetHash(key);
        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            ThrowIfDisposed();
            hash = _table.HashLocked(key, hash);
            long now = MaintainLocked(needsClock: false);
            Node<TKey, TValue>? node = _table.FindLocked(key, hash);
            if (node is null)
            {
                return false;
            }

            bool live = node.ExpiresAt > now;
            RemoveLocked(node, live ? RemovalReason.Removed : RemovalReason.Expired);
            return live;
        }
        finally
        {
            ExitAndNotify();
        }
    }

    /// <summary>
    /// Removes the key's entry only if its value is still <paramref name="expected"/> (by reference), so that
    /// a late signal about an older value (a change token firing) never removes a newer one.
    /// </summary>
    internal bool RemoveIfSame(TKey key, TValue expected, RemovalReason reason)
    {
        int hash = _table.GetHash(key);
        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            hash = _table.HashLocked(key, hash);
            Node<TKey, TValue>? node = _table.FindLocked(key, hash);
            if (_disposed || node is null || !ReferenceEquals(node.Value, expected))
            {
                return false;
            }

            RemoveLocked(node, reason);
            return true;
        }
        finally
        {
            ExitAndNotify();
        }
    }

    /// <summary>The keys of the unexpired entries, most recent first: a snapshot taken under the lock.</summary>
    internal List<TKey> SnapshotKeys()
    {
        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            ThrowIfDisposed();
            long now = MaintainLocked();
            var keys = new List<TKey>(_lru.Count);
            foreach (Node<TKey, TValue> node in _lru.OldestFirst())
            {
                if (node.ExpiresAt > now)
                {
                    keys.Add(node.Key);
                }
            }

            keys.Reverse();
            return keys;
        }
        finally
        {
            ExitAndNotify();
        }
    }

    /// <summary>
    /// Reclaims expired entries, then evicts the least recently used ones (never pinned ones) until
    /// <paramref name="fraction"/> of the entries held before the call are gone.
    /// </summary>
    internal void Compact(double fraction)
    {
        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            ThrowIfDisposed();
            int target = _lru.Count - (int)Math.Ceiling(_lru.Count * fraction);
            MaintainLocked();
            long skipped = 0;
            while (_lru.Count > target && _lru.Count > _lru.Line.PinnedCount && skipped <= _lru.Line.PinnedCount)
            {
                Node<TKey, TValue> victim = _lru.Last!;
                if (victim.Pinned)
                {
                    _lru.MoveToFirst(victim);
                    skipped++;
                    continue;
                }

                RemoveLocked(victim, RemovalReason.Capacity);
            }
        }
        finally
        {
            ExitAndNotify();
        }
    }

    /// <summary>Removes every entry (each reported as cleared).</summary>
    internal void Clear()
    {
        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            ThrowIfDisposed();
            ClearLocked(report: true);
        }
        finally
        {
            ExitAndNotify();
        }
    }

    /// <summary>Replays pending reads and reclaims expired entries now; the background timer calls this.</summary>
    internal void RunMaintenance()
    {
        // A TimeProvider may run due timers on whichever thread reads its clock (FakeTimeProvider does),
        // so this can be called on a thread that is already inside a locked section, reading the clock.
        // The lock is reentrant: maintaining here would change the structures under that section's feet.
        if (_disposed || _lru.Line.Lock.IsHeldByCurrentThread)
        {
            return;
        }

        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            if (!_disposed)
            {
                MaintainLocked();
            }
        }
        finally
        {
            ExitAndNotify();
        }
    }

    internal EngineCounters GetCounters()
    {
        ThrowIfDisposed();
        return CountersSnapshot();
    }

    /// <summary>The counters without the disposal check: for metrics callbacks, which may run after disposal.</summary>
    internal EngineCounters CountersSnapshot()
    {
        return new EngineCounters(
            Hits: _readBuffer.TotalHits(),
            Misses: _readBuffer.TotalMisses(),
            Count: Count,
            Size: Size,
            CapacityEvictions: Volatile.Read(ref _lru.Line.CapacityEvictions),
            Expirations: Volatile.Read(ref _lru.Line.Expirations),
            Removals: Volatile.Read(ref _lru.Line.Removals),
            Replacements: Volatile.Read(ref _lru.Line.Replacements),
            ClearedEntries: Volatile.Read(ref _lru.Line.ClearedEntries),
            OversizedRejections: Volatile.Read(ref _lru.Line.OversizedRejections));
    }

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
        _lru.Line.Lock.Enter(_lockGate);
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
                values = new List<TValue>(_lru.Count);
                foreach (Node<TKey, TValue> node in _lru.OldestFirst())
                {
                    values.Add(node.Value);
                }
            }

            ClearLocked(report: false);
        }
        finally
        {
            _lru.Line.Lock.Exit(_lockGate);
        }

        if (values is not null)
        {
            foreach (TValue value in values)
            {
                dropped!(value);
            }
        }
    }

    /// <summary>
    /// Walks every structure under the lock and throws if they disagree: for tests, after concurrent runs.
    /// O(n); never called by the product.
    /// </summary>
    internal void CheckInvariants()
    {
        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            int linked = 0;
            long size = 0;
            var seen = new HashSet<Node<TKey, TValue>>(ReferenceEqualityComparer.Instance);
            foreach (Node<TKey, TValue> node in _lru.OldestFirst())
            {
                linked++;
                size += node.Size;
                Assert(seen.Add(node), "a node appears twice in the recency log");
                Assert(ReferenceEquals(_table.FindLocked(node.Key, node.Hash), node), "a listed node is not the table's node for its key");
                Assert((node is TimedNode<TKey, TValue> { WheelNext: not null }) == (node.ExpiresAt != Node<TKey, TValue>.Never), "a node with an expiry is not in the wheel, or one without is");
                Assert(node is not SlidingNode<TKey, TValue> sliding || node.ExpiresAt <= sliding.Cap, "a sliding expiry passed its absolute cap");
                Assert(node.Kind == (node is SlidingNode<TKey, TValue> ? NodeKind.Sliding : node is TimedNode<TKey, TValue> ? NodeKind.Timed : NodeKind.Plain), "a node's kind bits disagree with its class");
            }

            Assert(_lru.StampsMatchSlots(), "a node's recency stamp is not that of its slot in the log");
            Assert(_lru.UnsweptNodes() < RecencyLog<TKey, TValue>.SweepEvery, "evicted nodes pile up behind the recency log's head");
            int tabled = _table.CountByWalking();
            Assert(linked == tabled && linked == _lru.Count, $"the recency log holds {linked} nodes and counts {_lru.Count}, the table holds {tabled}");
            long pinned = 0, pinnedSize = 0;
            foreach (Node<TKey, TValue> node in seen)
            {
                pinned += node.Pinned ? 1 : 0;
                pinnedSize += node.Pinned ? node.Size : 0;
            }

            Assert(pinned == _lru.Line.PinnedCount, $"{pinned} pinned nodes, the engine counts {_lru.Line.PinnedCount}");
            Assert(pinnedSize == _lru.Line.PinnedSize, $"pinned nodes' sizes add up to {pinnedSize}, the engine counts {_lru.Line.PinnedSize}");
            Assert(size == _lru.Line.Size, $"node sizes add up to {size}, the engine counts {_lru.Line.Size}");
            Assert(_lru.Count <= _maxItems, $"{_lru.Count} entries exceed MaxItems {_maxItems}");
            Assert(_lru.Line.Size <= _maxSize, $"{_lru.Line.Size} exceeds the size limit {_maxSize}");
        }
        finally
        {
            _lru.Line.Lock.Exit(_lockGate);
        }

        static void Assert(bool condition, string message)
        {
            if (!condition)
            {
                throw new InvalidOperationException("Engine invariant broken: " + message);
            }
        }
    }

    private void RemoveExpired(Node<TKey, TValue> node)
    {
        _lru.Line.Lock.Enter(_lockGate);
        try
        {
            // The node may have been removed or overwritten with a new expiry since the reader saw it.
            if (!_disposed && node.InRecencyLog && node.ExpiresAt <= _clock.Now())
            {
                RemoveLocked(node, RemovalReason.Expired);
            }
        }
        finally
        {
            ExitAndNotify();
        }
    }

    /// <summary>
    /// Replays pending reads (only the calling thread's stripe when <paramref name="ownStripeOnly"/>: a write that
    /// overlapped another, see the file header) and advances the wheel to now: what every write does before deciding anything.
    /// Returns now; but a write that stores no expiry (<paramref name="needsClock"/> false) skips the clock
    /// while the wheel is empty, and gets <see cref="long.MinValue"/>: no entry has an expiry then, so none
    /// can have passed and every expiry it compares with is <see cref="Node{TKey,TValue}.Never"/>. Reading the
    /// clock is a call into the runtime's native layer, a tenth of a write that evicts.
    /// </summary>
    private long MaintainLocked(bool needsClock = true, bool ownStripeOnly = false)
    {
        if (ownStripeOnly)
        {
            _readBuffer.Current.Drain(_replayReadUnderContention);
        }
        else
        {
            _readBuffer.Drain(_replayRead);
        }

        if (!needsClock && _wheel.IsEmpty)
        {
            return long.MinValue;
        }

        long now = _clock.Now();
        _wheel.Advance(now, _expire);
        return now;
    }

    /// <summary>
    /// A node of the smallest kind that can hold the entry: wheel links only if it expires. It is
    /// <paramref name="reusable"/> (a node this write evicted) when that is of this very kind, rather than a new
    /// node: never a bigger one, since what the entry is charged (<see cref="EntrySize"/>) is the size of its kind, and
    /// never a sliding one (see <see cref="Node{TKey,TValue}.Reuse"/>).
    /// </summary>
    private static Node<TKey, TValue> NewNode(TKey key, int hash, TValue value, long expiresAt, long size, Node<TKey, TValue>? reusable)
    {
        NodeKind kind = expiresAt == Node<TKey, TValue>.Never ? NodeKind.Plain : NodeKind.Timed;
        if (reusable is not null && reusable.Kind == kind)
        {
            reusable.Reuse(key, hash, value, expiresAt, size);
            return reusable;
        }

        return kind == NodeKind.Plain
            ? new Node<TKey, TValue>(key, hash, value, expiresAt, size)
            : new TimedNode<TKey, TValue>(key, hash, value, expiresAt, size);
    }

    private void AddLocked(Node<TKey, TValue> node)
    {
        CountPinnedLocked(node, +1);
        _table.LinkAhead(node); // linked ahead, then stamped, then published: see NodeTable.Find for why this order
        _lru.Add(node);
        _table.Add(node, _lru.Count);
        if (node.ExpiresAt != Node<TKey, TValue>.Never)
        {
            _wheel.Schedule(Unsafe.As<TimedNode<TKey, TValue>>(node)); // NewNode made a timed node for an expiry
        }

        Volatile.Write(ref _lru.Line.Size, _lru.Line.Size + node.Size);
    }

    /// <summary>
    /// Puts <paramref name="added"/> in the place of <paramref name="old"/>, an entry under the same key, with the
    /// count unchanged. Order matters to lock-free readers: the new node is stamped and published at the head of its
    /// chain while the old one is still linked and valid, and only then is the old one unlinked and marked Gone. A
    /// reader that starts after the publish meets the new node first; one still on the old node either validates it
    /// (it read before the Set took effect) or sees it Gone and looks again, finding the new one. At no moment is
    /// neither findable, so a key present before and after a Set is never missing for a reader.
    /// </summary>
    private void ReplaceLocked(Node<TKey, TValue> old, Node<TKey, TValue> added, RemovalReason reason)
    {
        CountPinnedLocked(old, -1);
        CountPinnedLocked(added, +1);
        _table.LinkAhead(added);
        _lru.AddInPlaceOf(added);
        _table.Replace(old, added);
        _lru.RemoveReplaced(old);
        if (old.Kind != NodeKind.Plain)
        {
            _wheel.Unschedule(Unsafe.As<TimedNode<TKey, TValue>>(old));
        }

        if (added.ExpiresAt != Node<TKey, TValue>.Never)
        {
            _wheel.Schedule(Unsafe.As<TimedNode<TKey, TValue>>(added));
        }

        Volatile.Write(ref _lru.Line.Size, _lru.Line.Size + added.Size - old.Size);
        RecordRemovalLocked(old.Key, old.Value, old.Size, reason);
    }

    /// <summary>
    /// Evicts from the cold end, never <paramref name="keep"/> nor a pinned entry, until <paramref name="entries"/>
    /// more entries and <paramref name="bytes"/> more size fit within the limits. Room is made before the write
    /// lands, so a reader of Count or Size never sees them over a limit, not even for an instant.
    /// </summary>
    /// <param name="entries">Entries about to be added: 0 or 1.</param>
    /// <param name="bytes">Size about to be added.</param>
    /// <param name="keep">A node that must stay (the one being overwritten), or null.</param>
    /// <param name="reusable">The last node evicted, which the caller may reuse for what it adds (see <see cref="NewNode"/>); else null.</param>
    /// <returns>False, having evicted nothing, if even evicting every entry that may go would not make room.</returns>
    private bool MakeRoomLocked(int entries, long bytes, Node<TKey, TValue>? keep, out Node<TKey, TValue>? reusable)
    {
        reusable = null;
        if (_lru.Count + entries <= _maxItems && FitsSize(_lru.Line.Size, bytes))
        {
            return true;
        }

        bool keepStays = keep is { Pinned: false };
        long staying = _lru.Line.PinnedCount + (keepStays ? 1 : 0);
        long stayingSize = _lru.Line.PinnedSize + (keepStays ? keep!.Size : 0);
        if (staying + entries > _maxItems || !FitsSize(stayingSize, bytes))
        {
            return false;
        }

        while (_lru.Count + entries > _maxItems || !FitsSize(_lru.Line.Size, bytes))
        {
            // Not null: the check above proved that enough evictable entries exist.
            Node<TKey, TValue> victim = _lru.Last!;
            if (victim.Pinned || ReferenceEquals(victim, keep))
            {
                _lru.MoveToFirst(victim); // out of the way; a pinned entry's recency does not matter
                continue;
            }

            RemoveLocked(victim, RemovalReason.Capacity);
            reusable = victim;
        }

        return true;
    }

    /// <summary>
    /// True if <paramref name="bytes"/> more (or fewer, if negative) fit beside <paramref name="held"/> within the size
    /// limit. Written so that it cannot overflow: <paramref name="held"/> is never negative, and without a size limit
    /// the limit is <see cref="long.MaxValue"/>, so sizes that would sum past it evict as a limit would (each entry may
    /// charge up to 2^56 - 1, and 2^30 of them could otherwise wrap the total to a negative figure).
    /// </summary>
    private bool FitsSize(long held, long bytes) => bytes <= _maxSize - held;

    private void CountPinnedLocked(Node<TKey, TValue> node, int sign)
    {
        if (node.Pinned)
        {
            _lru.Line.PinnedCount += sign;
            _lru.Line.PinnedSize += sign * node.Size;
        }
    }

    private void RemoveLocked(Node<TKey, TValue> node, RemovalReason reason)
    {
        CountPinnedLocked(node, -1);
        _table.Remove(node);
        _lru.Remove(node, sweepLater: reason == RemovalReason.Capacity && node.Size <= _sweepLaterMaxSize);
        if (node.Kind != NodeKind.Plain)
        {
            _wheel.Unschedule(Unsafe.As<TimedNode<TKey, TValue>>(node));
        }

        Volatile.Write(ref _lru.Line.Size, _lru.Line.Size - node.Size);
        RecordRemovalLocked(node.Key, node.Value, node.Size, reason);
    }

    private void RecordRemovalLocked(TKey key, TValue value, long size, RemovalReason reason)
    {
        switch (reason)
        {
            case RemovalReason.Capacity: _lru.Line.CapacityEvictions++; break;
            case RemovalReason.Expired: _lru.Line.Expirations++; break;
            case RemovalReason.Removed: _lru.Line.Removals++; break;
            case RemovalReason.Replaced: _lru.Line.Replacements++; break;
            case RemovalReason.Cleared: _lru.Line.ClearedEntries++; break;
            case RemovalReason.Oversized: _lru.Line.OversizedRejections++; break;
            case RemovalReason.TokenExpired: _lru.Line.Expirations++; break;
        }

        if (_listener is not null)
        {
            (_pendingRemovals ??= Interlocked.Exchange(ref _spareRemovals, null) ?? []).Add(new Removal<TKey, TValue>(key, value, size, reason));
        }
    }

    private void ClearLocked(bool report)
    {
        _readBuffer.Discard();
        _table.Clear(); // first: a reader that meets a node marked Gone looks again, and must then find the empty table
        _lru.Clear(report ? node => RecordRemovalLocked(node.Key, node.Value, node.Size, RemovalReason.Cleared) : static _ => { });
        _wheel.Clear();
        Volatile.Write(ref _lru.Line.Size, 0);
        _lru.Line.PinnedCount = 0;
        _lru.Line.PinnedSize = 0;
    }

    /// <summary>
    /// If the write evicted (so the next write that adds probably will too), the entry it would evict now; else null.
    /// </summary>
    private Node<TKey, TValue>? NextVictimIfEvictedLocked(long evictionsBefore)
        => _lru.Line.CapacityEvictions != evictionsBefore ? _lru.Last : null;

    /// <summary>
    /// Loads a field of the next write's likely victim after the lock is released, so that its cache line is
    /// on its way while the caller goes on with its work, not a miss inside the next write's locked section
    /// (docs/decisions/0010-load-the-next-victim-after-unlock.md). Reading the node without the lock is harmless:
    /// the value is thrown away.
    /// </summary>
    private static void LoadAhead(Node<TKey, TValue>? nextVictim)
    {
        if (nextVictim is not null)
        {
            _ = Volatile.Read(ref nextVictim.Hash); // volatile: a plain load whose value is unused may be dropped
        }
    }

    /// <summary>Releases the lock, then tells the listener what the locked section removed.</summary>
    private void ExitAndNotify()
    {
        List<Removal<TKey, TValue>>? removals = _pendingRemovals;
        if (removals is not null)
        {
            _pendingRemovals = null; // only then: a write that removed nothing leaves the engine's lines alone
        }

        _lru.Line.Lock.Exit(_lockGate);
        if (removals is not null)
        {
            foreach (Removal<TKey, TValue> removal in removals)
            {
                _listener!.OnRemoved(removal.Key, removal.Value, removal.Size, removal.Reason);
            }

            // Hand the list back, unless it grew large (a Clear) or another list is already spare.
            if (removals.Count <= 64)
            {
                removals.Clear();
                Interlocked.CompareExchange(ref _spareRemovals, removals, null);
            }
        }
    }

    private void StartTimer(TimeSpan period)
    {
        // The timer holds the engine weakly, so an engine dropped without Dispose can still be collected;
        // its timer then disposes itself on its next tick. No ExecutionContext flows into the callbacks.
        var state = new TimerState(this);
        bool restoreFlow = !ExecutionContext.IsFlowSuppressed();
        if (restoreFlow)
        {
            ExecutionContext.SuppressFlow();
        }

        try
        {
            _timer = state.Timer = _clock.Provider.CreateTimer(static s => ((TimerState)s!).Tick(), state, period, period);
        }
        finally
        {
            if (restoreFlow)
            {
                ExecutionContext.RestoreFlow();
            }
        }
    }

    private sealed class TimerState(LruEngine<TKey, TValue> engine)
    {
        private readonly WeakReference<LruEngine<TKey, TValue>> _engine = new(engine);

        internal ITimer? Timer { get; set; }

        internal void Tick()
        {
            if (_engine.TryGetTarget(out LruEngine<TKey, TValue>? target))
            {
                target.RunMaintenance();
            }
            else
            {
                Timer?.Dispose();
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
