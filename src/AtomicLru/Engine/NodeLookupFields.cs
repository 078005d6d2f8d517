namespace AtomicLru.Engine;

/// <summary>
/// The fields of a <see cref="Node{TKey,TValue}"/> that a lookup reads, in a base class of their own because
/// the runtime lays out a base class's fields before a derived class's (within one class it puts references
/// first and sorts the rest by size, whatever the declaration order). With the node's hash-chain link and
/// value declared first in <see cref="Node{TKey,TValue}"/>, everything a hit or a chain walk reads lies in the
/// node's first 40 bytes, so a lookup of a cold node misses one cache line more often than two.
/// </summary>
internal abstract class NodeLookupFields<TKey>
    where TKey : notnull
{
    internal readonly TKey Key;

    /// <summary>Timestamp (in the engine clock's units) from which the entry is expired; <see cref="Node{TKey,TValue}.Never"/> if none.</summary>
    internal long ExpiresAt;

    /// <summary>The key's hash; changed only under the lock, by a switch to randomized string hashing (see <see cref="NodeTable{TKey,TValue}"/>).</summary>
    internal int Hash;

    /// <summary>Never evicted for capacity (IMemoryCache's <c>CacheItemPriority.NeverRemove</c>); fits in the padding after <see cref="Hash"/>.</summary>
    internal bool Pinned;

    /// <summary>Which class this node is (see <see cref="NodeKind"/> for why a byte and not a type test); in the padding too.</summary>
    internal readonly NodeKind Kind;

    private protected NodeLookupFields(TKey key, int hash, long expiresAt, NodeKind kind)
    {
        Key = key;
        Hash = hash;
        ExpiresAt = expiresAt;
        Kind = kind;
    }
}
