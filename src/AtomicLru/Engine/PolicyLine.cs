using System.Runtime.InteropServices;

namespace AtomicLru.Engine;

/// <summary>
/// What every write reads and changes, packed together: the policy lock, the recency log's ends and count, the
/// total size, the capacity-eviction count and the pinned figures, in 64 bytes; then the removal counts that
/// change less often. Writes happen under the lock; statistics read the figures without it, with volatile loads.
/// </summary>
/// <remarks>
/// <para>With two threads writing by turns, every cache line a write changes crosses from the other core
/// (hundreds of nanoseconds each on some machines), so the fields are packed to cross as one or two lines,
/// not five. The struct is padded a cache line on each side, so that no field that readers load (the table,
/// the read buffer, the disposed flag) shares a line with them: each eviction would take those lines away from
/// the readers' cores.</para>
/// <para>It lives in the engine's <see cref="PolicyState"/>, which names what each field is for; the recency log
/// reaches its ends through that state (a struct laid out by offset cannot hold the generic log's slot array).</para>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = CacheLine + (2 * CacheLine) + CacheLine)]
internal struct PolicyLine
{
    private const int CacheLine = 64;

    [FieldOffset(CacheLine)]
    internal PolicyLock Lock;

    /// <summary>The recency log's first sequence number in use (see <see cref="RecencyLog{TKey,TValue}"/>).</summary>
    [FieldOffset(CacheLine + 8)]
    internal long Head;

    /// <summary>The recency log's next sequence number.</summary>
    [FieldOffset(CacheLine + 16)]
    internal long Tail;

    /// <summary>Nodes in the recency log: the entries in the cache.</summary>
    [FieldOffset(CacheLine + 24)]
    internal int Count;

    /// <summary>Slots behind <see cref="Head"/> not yet swept, some holding an evicted node (see <see cref="RecencyLog{TKey,TValue}"/>).</summary>
    [FieldOffset(CacheLine + 28)]
    internal int Unswept;

    [FieldOffset(CacheLine + 32)]
    internal long Size;

    [FieldOffset(CacheLine + 40)]
    internal long CapacityEvictions;

    [FieldOffset(CacheLine + 48)]
    internal long PinnedCount;

    [FieldOffset(CacheLine + 56)]
    internal long PinnedSize;

    [FieldOffset(CacheLine + 64)]
    internal long Expirations;

    [FieldOffset(CacheLine + 72)]
    internal long Removals;

    [FieldOffset(CacheLine + 80)]
    internal long Replacements;

    [FieldOffset(CacheLine + 88)]
    internal long ClearedEntries;

    [FieldOffset(CacheLine + 96)]
    internal long OversizedRejections;
}
