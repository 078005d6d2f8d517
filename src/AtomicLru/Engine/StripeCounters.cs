using System.Runtime.InteropServices;

namespace AtomicLru.Engine;

/// <summary>The stripe's counters, each group on its own cache line (128 bytes covers adjacent-line prefetch).</summary>
[StructLayout(LayoutKind.Explicit, Size = 384)]
internal struct StripeCounters
{
    /// <summary>Slots claimed by readers.</summary>
    [FieldOffset(128)]
    internal long Tail;

    [FieldOffset(136)]
    internal long Hits;

    [FieldOffset(144)]
    internal long Misses;

    /// <summary>Slots replayed; written only by the lock holder.</summary>
    [FieldOffset(256)]
    internal long Head;
}
