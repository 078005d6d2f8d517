namespace AtomicLru.Engine;

/// <summary>
/// The fields of a <see cref="Node{TKey,TValue}"/> that a lookup reads, in a base class of their own because
/// the runtime lays out a base class's fields before a derived class's (within one class it puts references
/// first and sorts the rest by size, whatever the declaration order). With the node's hash-chain link and
/// value declared first in <see cref="Node{TKey,TValue}"/>, everything a hit or a chain walk reads lies in the
/// node's first 40 bytes, so a lookup of a cold node misses one cache line more often than two.
/// </summary>
/// <remarks>
/// <see cref="RecencyStamp"/> is not a lookup field, but every lookup validates with it, so it sits here too.
/// </remarks>
internal abstract class NodeLookupFields<TKey>
    where TKey : notnull
{
    /// <summary>The <see cref="RecencyStamp"/> of a node never yet put in the cache.</summary>
    internal const long Gone = -1;

    /// <summary>The entry's key; changed only when an evicted node is reused for another entry (see <see cref="Node{TKey,TValue}.Reuse"/>).</summary>
    internal TKey Key;

    /// <summary>Timestamp (in the engine clock's units) from which the entry is expired; <see cref="Node{TKey,TValue}.Never"/> if none.</summary>
    internal long ExpiresAt;

    /// <summary>The key's hash; changed only under the lock, by a switch to randomized string hashing (see <see cref="NodeTable{TKey,TValue}"/>).</summary>
    internal int Hash;

    /// <summary>
    /// The key's hash for Window TinyLFU's frequency sketch (<see cref="NodeTable{TKey,TValue}.SketchHash"/>): randomized
    /// where <see cref="Hash"/> is not, so keys crafted to collide in the table do not share counters. Set by the engine
    /// before the policy first counts the node; unused under LRU. It fills the padding after <see cref="Hash"/>: no cost.
    /// </summary>
    internal int SketchHash;

    /// <summary>
    /// Where the node's slot is in the <see cref="RecencyLog{TKey,TValue}"/> (the slot's sequence number: see
    /// <see cref="RecencyLog{TKey,TValue}.StampOf"/>), or <see cref="Gone"/> before the node is
    /// first added and from its removal on (see <see cref="InRecencyLog"/>). Written only under the lock.
    /// Lock-free readers read it too, as the node's version: it becomes <see cref="Gone"/> before a node is reused
    /// for another key and a new value after, never one it had before (see <see cref="NodeTable{TKey,TValue}.Find"/>).
    /// </summary>
    internal long RecencyStamp = Gone;

    /// <summary>
    /// True while the node is in the <see cref="RecencyLog{TKey,TValue}"/>, that is, in the cache: its stamp is not
    /// <see cref="Gone"/>, which it is before it is added and from its removal on (a node is never put back once
    /// removed). This is how a stale read record, or an expired node a reader reports, is recognised. Under the lock.
    /// </summary>
    internal bool InRecencyLog => RecencyStamp != Gone;

    private protected NodeLookupFields(TKey key, int hash, long expiresAt)
    {
        Key = key;
        Hash = hash;
        ExpiresAt = expiresAt;
    }
}
