using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

// Writes under the policy lock: Set (in place, or a new node in the old one's place), GetOrAdd's add, Remove, Clear,
// and the structural changes they make to the table, the recency log and the wheel.
internal sealed partial class LruEngine<TKey, TValue>
{
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
        bool overlapped = _policy.EnterWrite();
        try
        {
            ThrowIfDisposed(); // under the lock: a Dispose that ran meanwhile must not find the entry added after it
            hash = _table.HashLocked(key, hash);
            long now = MaintainLocked(needsClock: ttl != Timeout.InfiniteTimeSpan || sliding > TimeSpan.Zero, ownStripeOnly: overlapped);
            Node<TKey, TValue>? node = _table.FindLocked(key, hash);
            if (size > _maxItemSize)
            {
                RefuseOversizedLocked(key, value, size, node, now);
                return false;
            }

            long expiresAt = _clock.ExpiryFrom(now, ttl);
            long slidingTicks = sliding > TimeSpan.Zero ? _clock.Duration(sliding) : 0;
            long cap = expiresAt;
            if (slidingTicks > 0)
            {
                expiresAt = Math.Min(cap, now > long.MaxValue - slidingTicks ? long.MaxValue : now + slidingTicks);
            }

            var entry = new EntryTerms(size, pinned, expiresAt, slidingTicks, cap);
            return node is not null && CanOverwriteInPlace(node, entry)
                ? OverwriteInPlaceLocked(key, node, value, entry, now)
                : PutNewNodeLocked(key, hash, value, entry, node, now, out nextVictim);
        }
        finally
        {
            ExitAndNotify();
            LoadAhead(nextVictim);
        }
    }

    /// <summary>What a Set stores beside the value: its charge, pin, expiry, and sliding window with its cap.</summary>
    private readonly record struct EntryTerms(long Size, bool Pinned, long ExpiresAt, long SlidingTicks, long Cap);

    /// <summary>An oversized value is not stored, and the key's older value goes too: a stale value is worse than a miss.</summary>
    private void RefuseOversizedLocked(TKey key, TValue value, long size, Node<TKey, TValue>? node, long now)
    {
        if (node is not null)
        {
            RemoveLocked(node, node.HasExpired(now) ? RemovalReason.Expired : RemovalReason.Replaced);
        }

        RecordRemovalLocked(key, value, size, RemovalReason.Oversized);
    }

    /// <summary>
    /// True where a reader cannot tear the value and the node is of the right kind: a sliding node for a sliding
    /// entry, and a node with wheel links for one that expires.
    /// </summary>
    private static bool CanOverwriteInPlace(Node<TKey, TValue> node, EntryTerms entry)
        => !typeof(TValue).IsValueType && (node.Kind == NodeKind.Sliding) == (entry.SlidingTicks > 0)
            && (entry.ExpiresAt == Node<TKey, TValue>.Never || node.Kind != NodeKind.Plain);

    /// <summary>
    /// Overwrites the key's node in place (no allocation): the value, then the expiry with a release write, so a
    /// reader that sees the new expiry sees the new value. False, with the old value removed, if no room can be made.
    /// </summary>
    private bool OverwriteInPlaceLocked(TKey key, Node<TKey, TValue> node, TValue value, EntryTerms entry, long now)
    {
        RemovalReason oldValueLeaves = node.HasExpired(now) ? RemovalReason.Expired : RemovalReason.Replaced;
        if (!MakeRoomLocked(0, entry.Size - node.Size, keep: node, out _))
        {
            RemoveLocked(node, oldValueLeaves);
            RecordRemovalLocked(key, value, entry.Size, RemovalReason.Capacity);
            return false;
        }

        RecordRemovalLocked(node.Key, node.Value, node.Size, oldValueLeaves);
        CountPinnedLocked(node, -1);
        _policy.AddSize(entry.Size - node.Size);
        _lfu?.Resized(node, entry.Size - node.Size);
        node.Size = entry.Size;
        node.Pinned = entry.Pinned;
        CountPinnedLocked(node, +1);
        if (node.Kind == NodeKind.Sliding)
        {
            var slidingNode = Unsafe.As<SlidingNode<TKey, TValue>>(node);
            slidingNode.Sliding = entry.SlidingTicks;
            slidingNode.Cap = entry.Cap;
        }

        node.Value = value;
        Volatile.Write(ref node.ExpiresAt, entry.ExpiresAt);
        if (node.Kind != NodeKind.Plain)
        {
            var timed = Unsafe.As<TimedNode<TKey, TValue>>(node);
            _wheel.Unschedule(timed);
            if (entry.ExpiresAt != Node<TKey, TValue>.Never)
            {
                _wheel.Schedule(timed);
            }
        }

        TouchLocked(node, hit: false);
        return true;
    }

    /// <summary>
    /// Stores the entry in a new (or reused) node: added, or put in the old one's place so that a reader finds one or
    /// the other throughout. False, with any old value removed, if no room can be made.
    /// </summary>
    private bool PutNewNodeLocked(
        TKey key, int hash, TValue value, EntryTerms entry, Node<TKey, TValue>? node, long now, out Node<TKey, TValue>? nextVictim)
    {
        nextVictim = null;
        long evictionsBefore = _policy.CapacityEvictions;
        bool replaces = node is not null;
        if (!MakeRoomLocked(replaces ? 0 : 1, replaces ? entry.Size - node!.Size : entry.Size, keep: node, out Node<TKey, TValue>? reusable))
        {
            if (node is not null)
            {
                RemoveLocked(node, node.HasExpired(now) ? RemovalReason.Expired : RemovalReason.Replaced);
            }

            RecordRemovalLocked(key, value, entry.Size, RemovalReason.Capacity);
            return false;
        }

        Node<TKey, TValue> added = entry.SlidingTicks > 0
            ? new SlidingNode<TKey, TValue>(key, hash, value, entry.ExpiresAt, entry.Size, entry.SlidingTicks, entry.Cap)
            : NewNode(key, hash, value, entry.ExpiresAt, entry.Size, reusable);
        added.Pinned = entry.Pinned;
        if (node is null)
        {
            AddLocked(added);
        }
        else
        {
            ReplaceLocked(node, added, node.HasExpired(now) ? RemovalReason.Expired : RemovalReason.Replaced);
        }

        nextVictim = NextVictimIfEvictedLocked(evictionsBefore);
        return true;
    }

    /// <summary>
    /// Returns the unexpired value under the key (refreshing its recency) if there is one; otherwise
    /// stores <paramref name="value"/> as <see cref="Set"/> does (unless it is too large) and returns it.
    /// </summary>
    internal TValue GetOrAdd(TKey key, TValue value, TimeSpan ttl, long size)
    {
        int hash = _table.GetHash(key);
        Node<TKey, TValue>? nextVictim = null;
        bool overlapped = _policy.EnterWrite();
        try
        {
            ThrowIfDisposed();
            hash = _table.HashLocked(key, hash);
            long now = MaintainLocked(needsClock: ttl != Timeout.InfiniteTimeSpan, ownStripeOnly: overlapped);
            Node<TKey, TValue>? node = _table.FindLocked(key, hash);
            if (node is not null)
            {
                if (!node.HasExpired(now))
                {
                    TouchLocked(node);
                    return node.Value;
                }

                RemoveLocked(node, RemovalReason.Expired);
            }

            if (size > _maxItemSize)
            {
                RecordRemovalLocked(key, value, size, RemovalReason.Oversized);
                return value;
            }

            long evictionsBefore = _policy.CapacityEvictions;
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
        _policy.Enter();
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

            bool live = !node.HasExpired(now);
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
        _policy.Enter();
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

    /// <summary>Removes every entry (each reported as cleared).</summary>
    internal void Clear()
    {
        _policy.Enter();
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

    /// <summary>
    /// A replayed read, a write, or a found entry of GetOrAdd: the node becomes the most recent (and, under Window TinyLFU,
    /// is counted as seen, and as a hit for the window's climber unless <paramref name="hit"/> is false: an overwrite).
    /// </summary>
    private void TouchLocked(Node<TKey, TValue> node, bool hit = true)
    {
        if (_lfu is null)
        {
            _recency.MoveToFirst(node);
        }
        else
        {
            _lfu.OnAccess(node, hit);
        }
    }

    private void AddLocked(Node<TKey, TValue> node)
    {
        CountPinnedLocked(node, +1);
        _table.LinkAhead(node); // linked ahead, then stamped, then published: see NodeTable.Find for why this order
        if (_lfu is null)
        {
            _recency.Add(node);
        }
        else
        {
            node.SketchHash = _table.SketchHash(node);
            _lfu.Add(node);
        }

        _table.Add(node, Count);
        if (node.ExpiresAt != Node<TKey, TValue>.Never)
        {
            _wheel.Schedule(Unsafe.As<TimedNode<TKey, TValue>>(node)); // NewNode made a timed node for an expiry
        }

        _policy.AddSize(node.Size);
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
        if (_lfu is null)
        {
            _recency.AddInPlaceOf(added);
            _table.Replace(old, added);
            _recency.RemoveReplaced(old);
        }
        else
        {
            added.SketchHash = old.SketchHash; // the same key
            _lfu.AddInPlaceOf(added, old);
            _table.Replace(old, added);
            _lfu.RemoveReplaced(old);
        }

        if (old.Kind != NodeKind.Plain)
        {
            _wheel.Unschedule(Unsafe.As<TimedNode<TKey, TValue>>(old));
        }

        if (added.ExpiresAt != Node<TKey, TValue>.Never)
        {
            _wheel.Schedule(Unsafe.As<TimedNode<TKey, TValue>>(added));
        }

        _policy.AddSize(added.Size - old.Size);
        RecordRemovalLocked(old.Key, old.Value, old.Size, reason);
    }

    private void RemoveLocked(Node<TKey, TValue> node, RemovalReason reason)
    {
        CountPinnedLocked(node, -1);
        _table.Remove(node);
        bool sweepLater = reason == RemovalReason.Capacity && node.Size <= _sweepLaterMaxSize;
        if (_lfu is null)
        {
            _recency.Remove(node, sweepLater);
        }
        else
        {
            _lfu.Remove(node, sweepLater);
        }

        if (node.Kind != NodeKind.Plain)
        {
            _wheel.Unschedule(Unsafe.As<TimedNode<TKey, TValue>>(node));
        }

        _policy.AddSize(-node.Size);
        RecordRemovalLocked(node.Key, node.Value, node.Size, reason);
    }

    private void ClearLocked(bool report)
    {
        _readBuffer.Discard();
        _table.Clear(); // first: a reader that meets a node marked Gone looks again, and must then find the empty table
        Action<Node<TKey, TValue>> visit = report ? node => RecordRemovalLocked(node.Key, node.Value, node.Size, RemovalReason.Cleared) : static _ => { };
        if (_lfu is null)
        {
            _recency.Clear(visit);
        }
        else
        {
            _lfu.Clear(visit);
        }
        _wheel.Clear();
        _policy.ResetSizes();
    }
}
