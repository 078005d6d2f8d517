using System.Runtime.InteropServices;

namespace AtomicLru.Engine;

/// <summary>
/// The figures that writes change: the total size, the pinned entries and the removal counts. Written under
/// the policy lock; read without it only by statistics, with volatile loads.
/// </summary>
/// <remarks>
/// The struct is a cache line wider than its fields on each side. Kept bare in the engine object, these fields
/// would share cache lines with the ones every reader loads (the table, the read buffer, the disposed flag),
/// and each eviction would take those lines away from the readers' cores; measured, that cost two threads
/// doing get-or-set a few percent of their throughput.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = CacheLine + (9 * sizeof(long)) + CacheLine)]
internal struct PolicyFigures
{
    private const int CacheLine = 64;

    [FieldOffset(CacheLine)]
    internal long Size;

    [FieldOffset(CacheLine + 8)]
    internal long PinnedCount;

    [FieldOffset(CacheLine + 16)]
    internal long PinnedSize;

    [FieldOffset(CacheLine + 24)]
    internal long CapacityEvictions;

    [FieldOffset(CacheLine + 32)]
    internal long Expirations;

    [FieldOffset(CacheLine + 40)]
    internal long Removals;

    [FieldOffset(CacheLine + 48)]
    internal long Replacements;

    [FieldOffset(CacheLine + 56)]
    internal long ClearedEntries;

    [FieldOffset(CacheLine + 64)]
    internal long OversizedRejections;
}
