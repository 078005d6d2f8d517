namespace AtomicLru.Engine;

/// <summary>
/// One cache entry. A node is at once a link in its hash chain and the thing the recency log holds, so an
/// entry costs one object and no wrapper allocations. An entry that expires is a <see cref="TimedNode{TKey,TValue}"/>, which
/// is also a link in a timer-wheel bucket: entries without an expiry do not pay for those two links.
/// </summary>
/// <remarks>
/// Field ownership: <see cref="NodeLookupFields{TKey}.Key"/> never changes. Every other field is written only
/// under the engine's policy lock. Readers without the lock read
/// <see cref="HashNext"/> (to walk a chain), <see cref="NodeLookupFields{TKey}.ExpiresAt"/> and then
/// <see cref="Value"/>: writers store the value before the expiry, with a release write on the expiry, so a
/// reader that sees a fresh expiry sees the value stored with it.
/// </remarks>
internal class Node<TKey, TValue> : NodeLookupFields<TKey>
    where TKey : notnull
{
    /// <summary>The expiry of an entry that never expires.</summary>
    internal const long Never = long.MaxValue;

    /// <summary>The <see cref="RecencyStamp"/> of a node that is not in the cache.</summary>
    internal const long Gone = -1;

    // The first fields declared here come right after the base class's: a lookup reads these two next.

    /// <summary>Next node in the hash chain. Kept intact after removal, so that a reader on it walks on.</summary>
    internal Node<TKey, TValue>? HashNext;

    internal TValue Value;

    /// <summary>What the entry charges against the size limit.</summary>
    internal long Size;

    /// <summary>
    /// The sequence number of the node's slot in the <see cref="RecencyLog{TKey,TValue}"/>, or <see cref="Gone"/>
    /// once the node has left the cache (this is how a stale read record is recognised).
    /// </summary>
    internal long RecencyStamp = Gone;

    internal Node(TKey key, int hash, TValue value, long expiresAt, long size)
        : this(key, hash, value, expiresAt, size, NodeKind.Plain)
    {
    }

    private protected Node(TKey key, int hash, TValue value, long expiresAt, long size, NodeKind kind)
        : base(key, hash, expiresAt, kind)
    {
        Value = value;
        Size = size;
    }

    /// <summary>True while the node is in the cache (it has a slot in the recency log).</summary>
    internal bool IsLinked => RecencyStamp != Gone;
}
