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
/// A thread always uses the same stripe (chosen by its managed thread id), so one thread's records keep
/// their order. Stripes are separate objects with padded counters, so two threads on two stripes never
/// write to the same cache line. Appending claims a slot with one compare-and-swap on the stripe's tail:
/// it fails only when another thread on the same stripe raced it (the record is then dropped) and
/// reports <see cref="AppendResult.Full"/> when the stripe holds <see cref="StripeCapacity"/> records
/// not yet replayed.
/// </remarks>
internal sealed class ReadBuffer<TKey, TValue>
    where TKey : notnull
{
    internal const int StripeCapacity = 16;
    private const int SlotMask = StripeCapacity - 1;

    private readonly Stripe[] _stripes;
    private readonly int _stripeMask;

    internal ReadBuffer()
    {
        int count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 4, 4, 64));
        _stripes = new Stripe[count];
        for (int i = 0; i < count; i++)
        {
            _stripes[i] = new Stripe();
        }

        _stripeMask = count - 1;
    }

    internal enum AppendResult
    {
        Success,
        Full,
        Contended,
    }

    /// <summary>The calling thread's stripe.</summary>
    internal Stripe Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _stripes[Environment.CurrentManagedThreadId & _stripeMask];
    }

    /// <summary>Replays every stripe's pending records, oldest first within a stripe. Caller holds the lock.</summary>
    internal void Drain(Action<Node<TKey, TValue>> replay)
    {
        foreach (Stripe stripe in _stripes)
        {
            stripe.Drain(replay);
        }
    }

    /// <summary>Discards every pending record. Caller holds the lock.</summary>
    internal void Discard()
    {
        foreach (Stripe stripe in _stripes)
        {
            stripe.Drain(static _ => { });
        }
    }

    /// <summary>
    /// Hits, summed over the stripes: slots claimed, less those claimed by uncounted reads, plus hits that
    /// claimed none. A hit's slot is its count, so the common hit pays one atomic operation, not two.
    /// </summary>
    internal long TotalHits()
    {
        long total = 0;
        foreach (Stripe stripe in _stripes)
        {
            total += Volatile.Read(ref stripe.Counters.UnrecordedHits) - Volatile.Read(ref stripe.Counters.UncountedRecords);
            total += Volatile.Read(ref stripe.Counters.Tail);
        }

        return total;
    }

    internal long TotalMisses()
    {
        long total = 0;
        foreach (Stripe stripe in _stripes)
        {
            total += Volatile.Read(ref stripe.Counters.Misses);
        }

        return total;
    }

    internal sealed class Stripe
    {
        internal StripeCounters Counters;
        private readonly Slot[] _slots = new Slot[StripeCapacity];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal AppendResult TryAppend(Node<TKey, TValue> node)
        {
            long tail = Volatile.Read(ref Counters.Tail);
            if (tail - Volatile.Read(ref Counters.Head) >= StripeCapacity)
            {
                return AppendResult.Full;
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
