using System.Diagnostics;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>
/// One cache entry. A node is at once a link in its hash chain and the thing the recency log holds, so an
/// entry costs one object and no wrapper allocations. An entry that expires is a <see cref="TimedNode{TKey,TValue}"/>, which
/// is also a link in a timer-wheel bucket: entries without an expiry do not pay for those two links.
/// </summary>
/// <remarks>
/// <para>Field ownership: <see cref="Kind"/> never changes. Every other field is written only under the engine's
/// policy lock, but for a sliding node's expiry, which readers also move (by compare-and-swap: a slide, or
/// <see cref="HasExpired"/>). Readers without the lock read <see cref="HashNext"/> (to walk a chain),
/// <see cref="NodeLookupFields{TKey}.ExpiresAt"/> and then <see cref="Value"/>: writers store the value before the
/// expiry, with a release write on the expiry, so a reader that sees a fresh expiry sees the value stored with it.
/// A plain or timed node evicted for capacity is reused for the entry that evicted it (<see cref="Reuse"/>), so its
/// key changes too; readers check its <see cref="NodeLookupFields{TKey}.RecencyStamp"/> around what they read (see
/// <see cref="NodeTable{TKey,TValue}.Find"/>).</para>
/// <para>A plain node is 72 bytes: the object header and method table, then 56 bytes of fields. The node's kind, its
/// pinned flag and its <see cref="UncountedReads"/> share one long with its size (one private field); a size takes 56
/// bits, so no entry may charge <see cref="MaxSize"/> or more (the engine refuses it as too large).</para>
/// </remarks>
internal class Node<TKey, TValue> : NodeLookupFields<TKey>
    where TKey : notnull
{
    /// <summary>The expiry of an entry that never expires.</summary>
    internal const long Never = long.MaxValue;

    /// <summary>
    /// The expiry a sliding node is given once found expired: before every clock reading, and never an expiry a
    /// reader checked, so a reader's late slide (a compare-and-swap from the expiry it checked) cannot revive it.
    /// </summary>
    internal const long Expired = long.MinValue;

    /// <summary>One more than the largest size a node can carry.</summary>
    internal const long MaxSize = 1L << KindShift;

    private const int KindShift = 56;
    private const long SizeMask = MaxSize - 1;
    private const long PinnedBit = 1L << 58;
    private const int UncountedShift = 59; // 3 bits of reads, then 2 of epoch: bits 59 to 63
    private const long UncountedMask = 31L << UncountedShift;
    private const long KindMask = 3L << KindShift;

    // The first fields declared here come right after the base class's: a lookup reads these two next.

    /// <summary>Next node in the hash chain. Kept intact after removal, so that a reader on it walks on.</summary>
    internal Node<TKey, TValue>? HashNext;

    internal TValue Value;

    /// <summary>
    /// The size in the low 56 bits, the <see cref="NodeKind"/> in the next two, the pinned flag above them.
    /// The kind bits are the same in every value this field ever holds, so a reader without the lock that
    /// loads it mid-write (even a torn load, on a 32-bit platform) reads the right kind.
    /// </summary>
    private long _sizeAndFlags;

    internal Node(TKey key, int hash, TValue value, long expiresAt, long size)
        : this(key, hash, value, expiresAt, size, NodeKind.Plain)
    {
    }

    private protected Node(TKey key, int hash, TValue value, long expiresAt, long size, NodeKind kind)
        : base(key, hash, expiresAt)
    {
        Value = value;
        _sizeAndFlags = ((long)kind << KindShift) | size;
    }

    /// <summary>
    /// Makes an evicted node the node of another entry of the same kind, in place of allocating one. Why: a node per
    /// miss lived through every GC generation before it died, and the victim's node is in cache already
    /// (docs/decisions/0007-node-reuse.md). The node must be out of the table, the log and the wheel (its stamp is
    /// <see cref="NodeLookupFields{TKey}.Gone"/>): a reader still on it sees the stamp change and looks again.
    /// Never a sliding node: readers slide its expiry without the lock, by a compare-and-swap a reuse could not stop.
    /// </summary>
    internal void Reuse(TKey key, int hash, TValue value, long expiresAt, long size)
    {
        Debug.Assert(Kind != NodeKind.Sliding && !InRecencyLog, "only an evicted plain or timed node is reused");
        Debug.Assert(Kind != NodeKind.Plain || expiresAt == Never, "a plain node never expires");
        Volatile.WriteBarrier(); // the Gone stamp its eviction wrote is seen before any of these (free on x64)
        Key = key;
        Hash = hash;
        Value = value;
        ExpiresAt = expiresAt;
        _sizeAndFlags = (_sizeAndFlags & KindMask) | size; // the same kind, not pinned
        Volatile.WriteBarrier(); // and these before its next link and the stamp the engine gives it next (LruEngine.AddLocked)
    }

    /// <summary>What the entry charges against the size limit: 0 to <see cref="MaxSize"/> - 1.</summary>
    internal long Size
    {
        get => _sizeAndFlags & SizeMask;
        set => _sizeAndFlags = (_sizeAndFlags & ~SizeMask) | value;
    }

    /// <summary>Never evicted for capacity (IMemoryCache's <c>CacheItemPriority.NeverRemove</c>).</summary>
    internal bool Pinned
    {
        get => (_sizeAndFlags & PinnedBit) != 0;
        set => _sizeAndFlags = value ? _sizeAndFlags | PinnedBit : _sizeAndFlags & ~PinnedBit;
    }

    /// <summary>
    /// True if the entry is expired at <paramref name="now"/>, judged on the expiry as it is after the clock was read
    /// (the clock only moves forward, so the entry was expired at that moment). A sliding node found expired is set
    /// to <see cref="Expired"/> in the same step, so that no reader that checked it earlier slides it back to life.
    /// </summary>
    internal bool HasExpired(long now)
    {
        long expiresAt = Volatile.Read(ref ExpiresAt);
        while (expiresAt <= now && Kind == NodeKind.Sliding && expiresAt != Expired)
        {
            long seen = Interlocked.CompareExchange(ref ExpiresAt, Expired, expiresAt);
            if (seen == expiresAt)
            {
                return true;
            }

            expiresAt = seen; // slid or rewritten meanwhile: judge the new expiry
        }

        return expiresAt <= now;
    }

    /// <summary>Which class this node is (see <see cref="NodeKind"/> for why a field and not a type test).</summary>
    internal NodeKind Kind => (NodeKind)((_sizeAndFlags >> KindShift) & 3);

    /// <summary>
    /// Reads Window TinyLFU has replayed for this entry and not yet added to its frequency sketch (0 to 7), and the
    /// sketch's halvings, modulo 4, when it last counted one. In spare bits of the size word: no extra field. Written
    /// under the lock; a new or reused node starts at 0.
    /// </summary>
    internal (int Reads, int Epoch) UncountedReads
    {
        get
        {
            int bits = (int)((ulong)_sizeAndFlags >> UncountedShift);
            return (bits & 7, bits >> 3);
        }

        set => _sizeAndFlags = (_sizeAndFlags & ~UncountedMask) | ((long)((value.Epoch & 3) << 3 | value.Reads) << UncountedShift);
    }
}
