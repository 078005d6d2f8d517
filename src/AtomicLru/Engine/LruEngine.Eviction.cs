using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

// Making room before a write lands (eviction from the cold end, pinned entries kept), compaction, and maintenance:
// replaying reads and advancing the timer wheel, from writes and from the background timer.
internal sealed partial class LruEngine<TKey, TValue>
{
    /// <summary>
    /// Reclaims expired entries, then evicts the least recently used ones (never pinned ones) until
    /// <paramref name="fraction"/> of the entries held before the call are gone.
    /// </summary>
    internal void Compact(double fraction)
    {
        _policy.Enter();
        try
        {
            ThrowIfDisposed();
            int target = Count - (int)Math.Ceiling(Count * fraction);
            MaintainLocked();
            while (Count > target && EvictOldestLocked())
            {
            }
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
        // The lock is not reentrant, and maintaining here would change the structures under that section's feet.
        if (_disposed || _policy.IsHeldByCurrentThread)
        {
            return;
        }

        _policy.Enter();
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

    private void RemoveExpired(Node<TKey, TValue> node)
    {
        _policy.Enter();
        try
        {
            // The node may have been removed or overwritten with a new expiry since the reader saw it.
            if (!_disposed && node.InRecencyLog && node.HasExpired(_clock.Now()))
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
        _lfu?.PushOutOfWindow(entries, bytes); // Window TinyLFU: what the new entry pushes out of the window, full or not
        if (Count + entries <= _maxItems && FitsSize(_policy.Size, bytes))
        {
            _lfu?.ForgetCandidates();
            return true;
        }

        bool keepStays = keep is { Pinned: false };
        long staying = _policy.PinnedCount + (keepStays ? 1 : 0);
        long stayingSize = _policy.PinnedSize + (keepStays ? keep!.Size : 0);
        if (staying + entries > _maxItems || !FitsSize(stayingSize, bytes))
        {
            _lfu?.ForgetCandidates();
            return false;
        }

        if (_lfu is not null)
        {
            while (Count + entries > _maxItems || !FitsSize(_policy.Size, bytes))
            {
                Node<TKey, TValue> leaving = _lfu.NextToEvict(keep);
                RemoveLocked(leaving, RemovalReason.Capacity);
                reusable = leaving;
            }

            _lfu.ForgetCandidates();
            return true;
        }

        while (_recency.Count + entries > _maxItems || !FitsSize(_policy.Size, bytes))
        {
            // Not null: the check above proved that enough evictable entries exist.
            Node<TKey, TValue> victim = _recency.Last!;
            if (victim.Pinned || ReferenceEquals(victim, keep))
            {
                _recency.MoveToFirst(victim); // out of the way; a pinned entry's recency does not matter
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
            _policy.AddPinned(node.Size, sign);
        }
    }

    /// <summary>
    /// If the write evicted (so the next write that adds probably will too), the entry it would evict now; else null.
    /// </summary>
    private Node<TKey, TValue>? NextVictimIfEvictedLocked(long evictionsBefore)
        => _lfu is null && _policy.CapacityEvictions != evictionsBefore ? _recency.Last : null;

    /// <summary>
    /// Evicts the entry the policy gives up first, never a pinned one (those it meets are moved out of the way): for a
    /// smaller limit or a compaction, where no new entry competes. False if every entry held is pinned.
    /// </summary>
    private bool EvictOldestLocked()
    {
        Node<TKey, TValue>? victim = _lfu is null ? _recency.OldestEvictable() : _lfu.Victim();
        if (victim is null)
        {
            return false;
        }

        RemoveLocked(victim, RemovalReason.Capacity);
        return true;
    }

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
                try
                {
                    target.RunMaintenance();
                }
#pragma warning disable CA1031 // a timer callback that throws ends the process; there is no caller to tell
                catch (Exception)
#pragma warning restore CA1031
                {
                    // Only the listener throws here (a logging provider that fails), after every removal was reported
                    // and the lock released: the cache is whole, and a write or the next tick goes on from there.
                }
            }
            else
            {
                Timer?.Dispose();
            }
        }
    }
}
