using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

// Lock-free lookups: find the node, check its expiry (sliding it), read the value, record the read; and the replay of
// recorded reads into the recency log under the lock.
internal sealed partial class LruEngine<TKey, TValue>
{
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
    /// <remarks>
    /// Live is judged on an expiry read before the clock: the entry was live when that expiry was read. Expired is
    /// judged on the expiry as it is after the clock was read (<see cref="Node{TKey,TValue}.HasExpired"/>), or a
    /// reader that checked first could slide the entry after another had missed it. A slide that loses its
    /// compare-and-swap judges again from the expiry that won, so the later of two slides always stands.
    /// </remarks>
    private bool IsLiveAndSlid(Node<TKey, TValue> node)
    {
        long expiresAt = Volatile.Read(ref node.ExpiresAt);
        while (expiresAt != Node<TKey, TValue>.Never)
        {
            long now = _clock.Now();
            if (now >= expiresAt)
            {
                if (node.HasExpired(now))
                {
                    return false;
                }

                expiresAt = Volatile.Read(ref node.ExpiresAt);
                continue;
            }

            if (node.Kind != NodeKind.Sliding)
            {
                return true;
            }

            long slid = Unsafe.As<SlidingNode<TKey, TValue>>(node).SlideFrom(now);
            if (slid <= expiresAt)
            {
                return true;
            }

            long seen = Interlocked.CompareExchange(ref node.ExpiresAt, slid, expiresAt);
            if (seen == expiresAt)
            {
                return true;
            }

            expiresAt = seen;
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
            if (!NodeTable<TKey, TValue>.StillHolds(node, stamp))
            {
                continue;
            }

            if (expiresAt == Node<TKey, TValue>.Never)
            {
                return true;
            }

            long now = _clock.Now();
            if (now < expiresAt)
            {
                return true;
            }

            // Expired only if still so after the clock was read (see IsLiveAndSlid); else look again. A node reused
            // for another key meanwhile answers for that key, and a miss is right then too: ours was evicted.
            if (node.HasExpired(now))
            {
                return false;
            }
        }

        return false;
    }

    private void RecordRead(Node<TKey, TValue> node, bool countStatistics)
    {
        ReadBuffer<TKey, TValue>.Stripe stripe = _readBuffer.Current;
        ReadBuffer<TKey, TValue>.AppendResult appended = stripe.TryAppend(node);
        if (appended == ReadBuffer<TKey, TValue>.AppendResult.Full && _policy.TryEnter())
        {
            try
            {
                stripe.Drain(_replayRead); // only this stripe: writes drain the others before deciding
            }
            finally
            {
                _policy.Exit();
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
            TouchLocked(node);
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
        if (_lfu is not null)
        {
            if (node.InRecencyLog)
            {
                _lfu.OnAccess(node, hit: true, underContention: true);
            }
        }
        else if (node.InRecencyLog && !_recency.IsAmongNewest(node))
        {
            _recency.MoveToFirst(node);
        }
    }

    /// <summary>The keys of the unexpired entries, most recent first: a snapshot taken under the lock.</summary>
    internal List<TKey> SnapshotKeys()
    {
        _policy.Enter();
        try
        {
            ThrowIfDisposed();
            long now = MaintainLocked();
            var keys = new List<TKey>(Count);
            foreach (Node<TKey, TValue> node in NodesLocked())
            {
                if (!node.HasExpired(now))
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
}
