using System.Runtime.InteropServices;

namespace AtomicLru.Engine;

/// <summary>The stripe's counters, each group on its own cache line (128 bytes covers adjacent-line prefetch).</summary>
[StructLayout(LayoutKind.Explicit, Size = 384)]
internal struct StripeCounters
{
    /// <summary>The managed thread id of an owned stripe's owner, 0 until a thread claims it; never changes after.
    /// Read on every access, so it sits on the stripe's first line, which no one writes after the claim.</summary>
    [FieldOffset(0)]
    internal int Owner;

    /// <summary>True for a shared stripe (slots claimed by compare-and-swap, counters incremented atomically).</summary>
    [FieldOffset(4)]
    internal bool IsShared;

    /// <summary>Slots claimed by readers. A counted hit that claims a slot is counted by this alone (see <see cref="ReadBuffer{TKey,TValue}.TotalHits"/>).</summary>
    [FieldOffset(128)]
    internal long Tail;

    /// <summary>Counted hits that claimed no slot (the stripe was full or contended).</summary>
    [FieldOffset(136)]
    internal long UnrecordedHits;

    [FieldOffset(144)]
    internal long Misses;

    /// <summary>Slots claimed by reads that count as no hit (a refresh, the re-check inside a get-or-add).</summary>
    [FieldOffset(152)]
    internal long UncountedRecords;

    /// <summary>Slots replayed; written only by the lock holder.</summary>
    [FieldOffset(256)]
    internal long Head;
}
