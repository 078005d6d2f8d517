using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>
/// Striped, lossy ring buffers of read records, plus the hit and miss counters of the threads that
/// write to each stripe. A reader appends the node it hit to its stripe; the policy lock's holder
/// replays the records into the recency log.
/// </summary>
/// <remarks>
/// <para>A thread always uses the same stripe, so one thread's records keep their order. Stripes are separate
/// objects with padded counters, so two threads on two stripes never write to the same cache line.</para>
/// <para>Owned stripes. The first thread to use the stripe its managed thread id picks becomes its owner, for
/// good; as its only writer, it appends and counts with plain stores (a release store of the tail publishes
/// the slot written before it), no atomic instruction at all. That matters on a hot key, where one locked
/// instruction was a third of a read. Managed thread ids are unique among live threads, and the runtime
/// reuses a dead thread's id for a later thread, which then takes over the stripe where the dead owner left
/// it. A thread is never preempted by itself, so an owned stripe never has two appends at once.</para>
/// <para>Shared stripes. A thread whose stripe another thread owns uses a shared stripe (made on first
/// need), where appending claims a slot with one compare-and-swap on the tail: it fails only when another
/// thread raced it (the record is then dropped) and the counters are incremented atomically.</para>
/// <para>Either kind reports <see cref="AppendResult.Full"/> when it holds <see cref="StripeCapacity"/>
/// records not yet replayed.</para>
/// </remarks>
internal sealed class ReadBuffer<TKey, TValue>
    where TKey : notnull
{
    internal const int StripeCapacity = 16;
    private const int SlotMask = StripeCapacity - 1;

    private readonly Stripe[] _stripes;

    /// <summary>Stripes for threads whose owned stripe has another owner; each made on first need, null until then.</summary>
    private readonly Stripe?[] _shared;
    private readonly int _stripeMask;

    /// <summary>
    /// The stripes some thread has used (claimed owned ones, and shared ones made), in the order they were first
    /// used: all a drain needs to look at. Walking every stripe cost a write that evicts a tenth of its time
    /// when few threads read; a process with many threads soon uses them all.
    /// </summary>
    private readonly Stripe?[] _inUse;

    /// <summary>Places taken in <see cref="_inUse"/>; a place may be taken and not yet written (null).</summary>
    private int _inUseCount;

    internal ReadBuffer()
    {
        int count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 4, 4, 64));
        _stripes = new Stripe[count];
        _shared = new Stripe?[count];
        _inUse = new Stripe?[2 * count];
        for (int i = 0; i < count; i++)
        {
            _stripes[i] = new Stripe(isShared: false);
        }

        _stripeMask = count - 1;
    }

    internal enum AppendResult
    {
        Success,
        Full,
        Contended,
    }

    /// <summary>The calling thread's stripe: the one it owns, or a shared one.</summary>
    internal Stripe Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            int id = Environment.CurrentManagedThreadId;
            Stripe stripe = _stripes[id & _stripeMask];
            return stripe.Counters.Owner == id ? stripe : ClaimOrShare(stripe, id);
        }
    }

    private Stripe ClaimOrShare(Stripe stripe, int id)
    {
        if (Volatile.Read(ref stripe.Counters.Owner) == 0 && Interlocked.CompareExchange(ref stripe.Counters.Owner, id, 0) == 0)
        {
            MarkInUse(stripe);
            return stripe;
        }

        ref Stripe? shared = ref _shared[id & _stripeMask];
        if (Volatile.Read(ref shared) is Stripe made)
        {
            return made;
        }

        var fresh = new Stripe(isShared: true);
        if (Interlocked.CompareExchange(ref shared, fresh, null) is null)
        {
            MarkInUse(fresh);
        }

        return shared!;
    }

    /// <summary>
    /// Lists a stripe for drains, once: by the thread that claimed or made it, before anyone appends to it. So a
    /// write that starts after a read finished (sequential use) finds the read's stripe listed; a place not yet
    /// written belongs to a stripe that holds no record yet.
    /// </summary>
    private void MarkInUse(Stripe stripe)
        => Volatile.Write(ref _inUse[Interlocked.Increment(ref _inUseCount) - 1], stripe);

    /// <summary>Replays the pending records of every stripe in use, oldest first within a stripe. Caller holds the lock.</summary>
    internal void Drain(Action<Node<TKey, TValue>> replay)
    {
        Stripe?[] inUse = _inUse;
        int count = Volatile.Read(ref _inUseCount);
        for (int i = 0; i < count; i++)
        {
            Volatile.Read(ref inUse[i])?.Drain(replay);
        }
    }

    /// <summary>Discards every pending record. Caller holds the lock.</summary>
    internal void Discard() => Drain(static _ => { });

    /// <summary>A figure summed over every stripe made so far.</summary>
    private long Sum(Func<Stripe, long> figure)
    {
        long total = 0;
        foreach (Stripe stripe in _stripes)
        {
            total += figure(stripe);
        }

        for (int i = 0; i < _shared.Length; i++)
        {
            if (Volatile.Read(ref _shared[i]) is Stripe made)
            {
                total += figure(made);
            }
        }

        return total;
    }

    /// <summary>
    /// Hits, summed over the stripes: slots claimed, less those claimed by uncounted reads, plus hits that
    /// claimed none. A hit's slot is its count, so the common hit pays one store (on an owned stripe) or one
    /// atomic operation (on a shared one), not two.
    /// </summary>
    internal long TotalHits() => Sum(static stripe =>
        Volatile.Read(ref stripe.Counters.Tail) + Volatile.Read(ref stripe.Counters.UnrecordedHits) - Volatile.Read(ref stripe.Counters.UncountedRecords));

    internal long TotalMisses() => Sum(static stripe => Volatile.Read(ref stripe.Counters.Misses));

    internal sealed class Stripe
    {
        internal StripeCounters Counters;
        private readonly Slot[] _slots = new Slot[StripeCapacity];

        internal Stripe(bool isShared) => Counters.IsShared = isShared;

        /// <summary>Adds one to a counter of this stripe: a plain store on an owned stripe (its owner is the only writer), atomically on a shared one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal void Increment(ref long counter)
        {
            if (Counters.IsShared)
            {
                Interlocked.Increment(ref counter);
            }
            else
            {
                Volatile.Write(ref counter, counter + 1);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal AppendResult TryAppend(Node<TKey, TValue> node)
        {
            long tail = Volatile.Read(ref Counters.Tail);
            if (tail - Volatile.Read(ref Counters.Head) >= StripeCapacity)
            {
                return AppendResult.Full;
            }

            if (!Counters.IsShared)
            {
                // The owner is the only writer: write the slot, then publish it with a release store of the tail.
                _slots[(int)tail & SlotMask].Node = node;
                Volatile.Write(ref Counters.Tail, tail + 1);
                return AppendResult.Success;
            }

            if (Interlocked.CompareExchange(ref Counters.Tail, tail + 1, tail) != tail)
            {
                return AppendResult.Contended;
            }

            Volatile.Write(ref _slots[(int)tail & SlotMask].Node, node);
            return AppendResult.Success;
        }

        internal void Drain(Action<Node<TKey, TValue>> replay)
        {
            long head = Counters.Head;
            long tail = Volatile.Read(ref Counters.Tail);
            if (head == tail)
            {
                return; // nothing to replay: leave the stripe's cache lines clean
            }

            for (; head < tail; head++)
            {
                ref Node<TKey, TValue>? slot = ref _slots[(int)head & SlotMask].Node;
                Node<TKey, TValue>? node = Volatile.Read(ref slot);
                if (node is null)
                {
                    break; // claimed but not yet written: replayed by the next drain
                }

                slot = null;
                replay(node);
            }

            Volatile.Write(ref Counters.Head, head);
        }
    }

    /// <summary>A record; a struct, so writing it skips the array-covariance check a <c>Node[]</c> element would cost.</summary>
    private struct Slot
    {
        internal Node<TKey, TValue>? Node;
    }
}
