using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>
/// A hash table of nodes with one writer at a time (the engine's policy lock) and any number of
/// readers that take no lock.
/// </summary>
/// <remarks>
/// <para>Chains are intrusive (<see cref="Node{TKey,TValue}.HashNext"/>), so an entry costs no table
/// allocation of its own. Writers publish with release writes; a reader walks a chain with plain loads.</para>
/// <para>Why a reader is safe: an insert puts a fully built node, already stamped by the recency log, at the head of its chain. A removal
/// makes the predecessor skip the node but leaves the node's own <c>HashNext</c> alone, so a reader that
/// stands on a removed node still reaches every live node behind it. A reader therefore never misses a key
/// that stayed in the table for the whole of its lookup, except while a resize relinks nodes into a new
/// bucket array: a resize makes the version odd while it works and even again after, and a reader that
/// missed during one (version changed or odd) looks again. A hit never needs a second look for a resize. A node
/// that is reused for another key is another matter: see <see cref="Find"/>.</para>
/// <para>Ordinal string keys are hashed with a fast hash that is the same in every process, as
/// <c>Dictionary</c> and <c>ConcurrentDictionary</c> do: it costs a fraction of the per-process randomized
/// <see cref="string.GetHashCode()"/>, which matters on every lookup. Keys crafted to collide under it (a
/// hash-flooding attack) would make chains long, so an insert that finds its chain longer than
/// <see cref="CollisionThreshold"/> switches the table to the randomized hash for good: a rehash, which
/// readers treat like a resize. A reader computes the hash inside its retry loop, so a lookup that raced
/// the switch looks again with the new hash; a writer computes it before taking the lock and, if the
/// table has been switched, again under it (<see cref="HashLocked"/>).</para>
/// </remarks>
internal sealed class NodeTable<TKey, TValue>
    where TKey : notnull
{
    private const int InitialBuckets = 16;

    /// <summary>A chain this long is an attack, not bad luck: at load factor 1/2 a chain of even 16 has odds below 1e-15.</summary>
    internal const int CollisionThreshold = 64;

    private readonly IEqualityComparer<TKey>? _comparer;

    /// <summary>String keys compared ordinally: hashed and compared by direct calls, not through the comparer interface.</summary>
    private readonly bool _ordinalStrings;

    /// <summary>Set once, under the lock, when a flood of colliding string keys was seen; never cleared.</summary>
    private volatile bool _randomizedStrings;
    private Bucket[] _buckets = new Bucket[InitialBuckets];
    private int _version;

    /// <param name="comparer">The key comparer; null means <see cref="EqualityComparer{T}.Default"/>.</param>
    internal NodeTable(IEqualityComparer<TKey>? comparer)
    {
        // Value-type keys with the default comparer are compared through EqualityComparer<TKey>.Default,
        // which the JIT devirtualizes; reference-type keys always go through the stored comparer.
        if (typeof(TKey).IsValueType)
        {
            _comparer = comparer is null || ReferenceEquals(comparer, EqualityComparer<TKey>.Default) ? null : comparer;
        }
        else
        {
            _comparer = comparer ?? EqualityComparer<TKey>.Default;
            _ordinalStrings = typeof(TKey) == typeof(string)
                && (ReferenceEquals(_comparer, StringComparer.Ordinal) || ReferenceEquals(_comparer, EqualityComparer<string>.Default));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int GetHash(TKey key)
    {
        if (typeof(TKey).IsValueType && _comparer is null)
        {
            return EqualityComparer<TKey>.Default.GetHashCode(key);
        }

        if (_ordinalStrings)
        {
            string text = Unsafe.As<string>(key);
            return _randomizedStrings ? text.GetHashCode() : NonRandomizedHash(text);
        }

        return _comparer!.GetHashCode(key);
    }

    /// <summary>
    /// The hash of a key for a writer that holds the lock, given the one it computed before taking it: the same,
    /// unless the table switched to randomized string hashing meanwhile (only a writer can switch it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int HashLocked(TKey key, int hashBeforeLock) => _randomizedStrings ? GetHash(key) : hashBeforeLock;

    /// <summary>
    /// The node's hash for a frequency sketch: its table hash, unless that is the fast string hash, which keys can be
    /// crafted to collide under; then the randomized string hash, which they cannot (the sketch mixes in a seed of its
    /// own as well, but keys whose 32-bit hashes are equal share every counter whatever the seed).
    /// </summary>
    internal int SketchHash(Node<TKey, TValue> node)
        => _ordinalStrings && !_randomizedStrings ? Unsafe.As<string>(node.Key).GetHashCode() : node.Hash;

    /// <summary>
    /// A fast string hash, the same in every process: Bernstein's multiply-by-33 step (as a rotate and an add)
    /// in two independent lanes, two characters per step, so the lanes run in parallel; the lanes are joined
    /// with a multiply by the golden ratio. Collisions can be crafted; see <see cref="CollisionThreshold"/>.
    /// </summary>
    internal static int NonRandomizedHash(string text)
    {
        ref char chars = ref MemoryMarshal.GetReference(text.AsSpan());
        int length = text.Length;
        uint lane1 = Lane1Seed ^ (uint)length;
        uint lane2 = Lane2Seed;
        int i = 0;
        for (; i + 4 <= length; i += 4)
        {
            lane1 = Step(lane1, Unsafe.ReadUnaligned<uint>(ref Unsafe.As<char, byte>(ref Unsafe.Add(ref chars, i))));
            lane2 = Step(lane2, Unsafe.ReadUnaligned<uint>(ref Unsafe.As<char, byte>(ref Unsafe.Add(ref chars, i + 2))));
        }

        for (; i < length; i++)
        {
            lane2 = Step(lane2, Unsafe.Add(ref chars, i));
        }

        return (int)(lane1 + (lane2 * 0x9E3779B1u));
    }

    /// <summary>The first lane's starting value, before the key's length is mixed in.</summary>
    internal const uint Lane1Seed = 0x3C6EF372u;

    /// <summary>The second lane's starting value.</summary>
    internal const uint Lane2Seed = 0xA54FF53Au;

    /// <summary>One step of <see cref="NonRandomizedHash"/>: invertible in the chunk, for a given lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Step(uint lane, uint chunk) => (BitOperations.RotateLeft(lane, 5) + lane) ^ chunk;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool KeyEquals(TKey a, TKey b)
    {
        if (typeof(TKey).IsValueType && _comparer is null)
        {
            return EqualityComparer<TKey>.Default.Equals(a, b);
        }

        return _ordinalStrings ? string.Equals(Unsafe.As<string>(a), Unsafe.As<string>(b), StringComparison.Ordinal) : _comparer!.Equals(a, b);
    }

    /// <summary>Fibonacci hashing: the top bits of hash × 2^32/φ pick the bucket, so weak hash codes
    /// (sequential integers, pointers) still spread over a power-of-two table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketIndex(int hash, int bucketCount)
        => (int)(((uint)hash * 0x9E3779B9u) >> (32 - BitOperations.TrailingZeroCount(bucketCount)));

    /// <summary>
    /// Finds the node for a key without taking a lock. A node found is only a candidate: the caller reads what it
    /// needs from it, then <see cref="StillHolds"/> with <paramref name="stamp"/> says whether the node was the
    /// key's, unchanged, all along (if not, the caller looks again).
    /// </summary>
    /// <remarks>
    /// Why the check: an evicted plain or timed node is reused for another key (<see cref="Node{TKey,TValue}.Reuse"/>), in
    /// another chain. A reader still on it could then read the other key's value, or follow its
    /// <see cref="Node{TKey,TValue}.HashNext"/> into the other chain and miss a key that never left.
    /// <para>The value: the node's <see cref="NodeLookupFields{TKey}.RecencyStamp"/> works as a version. A writer
    /// makes it <see cref="NodeLookupFields{TKey}.Gone"/> before it changes the key, hash, value or link, and gives
    /// it a new value only after (never one it had before: see <see cref="RecencyLog{TKey,TValue}.StampOf"/>). The
    /// reader reads the stamp, then the key and the value, then the stamp again: the same stamp, not Gone, means
    /// they belonged together. A stamp also changes when the node merely moves in the recency log; the reader then
    /// looks again for nothing, which only costs time.</para>
    /// <para>The walk: a reader never walks through a Gone node (removed, or being reused); it starts again from
    /// the bucket, where such a node is no longer linked. A node it reaches through a link read before the node
    /// was removed and reused may be whole again, in its new life: the reader reads its link, then its hash, and
    /// looks again if the hash belongs to another bucket (the link, read first, is then at most as new as the hash).
    /// If the hash is of its own bucket, walking on is safe: the link is either the node's old one (a suffix of
    /// this chain) or the one <see cref="LinkAhead"/> gave it, the head of this very chain.</para>
    /// </remarks>
    internal Node<TKey, TValue>? Find(TKey key, out long stamp)
    {
        while (true)
        {
            int version = Volatile.Read(ref _version);
            int hash = GetHash(key); // after the version: a switch to randomized hashing changes both
            Bucket[] buckets = Volatile.Read(ref _buckets);
            int bucket = BucketIndex(hash, buckets.Length);
            Node<TKey, TValue>? node = Volatile.Read(ref buckets[bucket].Head);
            while (node is not null)
            {
                long seen = Volatile.Read(ref node.RecencyStamp);
                if (seen == Node<TKey, TValue>.Gone)
                {
                    goto LookAgain;
                }

                if (node.Hash == hash && KeyEquals(node.Key, key))
                {
                    stamp = seen; // the caller checks it once it has read the value
                    return node;
                }

                // The link, then the hash again: a reuse writes the hash first, so a link of the node's new life
                // comes with its new hash, which the bucket check then sees.
                Node<TKey, TValue>? next = Volatile.Read(ref node.HashNext);
                if (BucketIndex(Volatile.Read(ref node.Hash), buckets.Length) != bucket)
                {
                    goto LookAgain; // reused for a key of another chain: its link leads there
                }

                node = next;
            }

            // Every chain read above is an acquire, so this load of the version cannot be satisfied before
            // them: a reader that walked a chain a resize was relinking sees the version it made odd.
            if ((version & 1) == 0 && Volatile.Read(ref _version) == version)
            {
                stamp = Node<TKey, TValue>.Gone;
                return null;
            }

            WaitForResize();
        LookAgain:;
        }
    }

    /// <summary>
    /// True if the node's stamp is still <paramref name="stamp"/>: what the caller read from it since
    /// <see cref="Find"/> belongs to the key it found. The barrier keeps those reads before this one (free on x64).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool StillHolds(Node<TKey, TValue> node, long stamp)
    {
        Volatile.ReadBarrier();
        return Volatile.Read(ref node.RecencyStamp) == stamp;
    }

    private void WaitForResize()
    {
        var spinner = new SpinWait();
        while ((Volatile.Read(ref _version) & 1) != 0)
        {
            spinner.SpinOnce();
        }
    }

    /// <summary>Finds the node for a key; the caller holds the lock, so no resize can run.</summary>
    internal Node<TKey, TValue>? FindLocked(TKey key, int hash)
    {
        Node<TKey, TValue>? node = _buckets[BucketIndex(hash, _buckets.Length)].Head;
        while (node is not null && (node.Hash != hash || !KeyEquals(node.Key, key)))
        {
            node = node.HashNext;
        }

        return node;
    }

    /// <summary>
    /// Adds a node whose key is not in the table. Caller holds the lock and says how many entries the table holds
    /// with this one: the engine counts them already (the table keeps no count of its own, so that writers never
    /// write to the cache line readers load <see cref="_buckets"/> from).
    /// </summary>
    /// <remarks>The caller has called <see cref="LinkAhead"/> and then stamped the node (see <see cref="Find"/>).</remarks>
    internal void Add(Node<TKey, TValue> node, int count)
    {
        Bucket[] buckets = _buckets;
        ref Node<TKey, TValue>? head = ref buckets[BucketIndex(node.Hash, buckets.Length)].Head;
        node.HashNext = head;
        Volatile.Write(ref head, node);
        if (count > buckets.Length / 2 && buckets.Length < (1 << 30))
        {
            Resize(buckets.Length * 2);
        }
        else if (_ordinalStrings && !_randomizedStrings && IsLongerThan(node, CollisionThreshold))
        {
            RandomizeStrings();
        }
    }

    /// <summary>
    /// Points a node that is about to be added at the head of its chain, without publishing it yet: once it is
    /// stamped, a reader that reaches it walks on through the whole chain. Caller holds the lock.
    /// </summary>
    internal void LinkAhead(Node<TKey, TValue> node)
    {
        Bucket[] buckets = _buckets;
        Volatile.Write(ref node.HashNext, buckets[BucketIndex(node.Hash, buckets.Length)].Head);
    }

    /// <summary>
    /// Publishes <paramref name="added"/> at the head of its chain, then unlinks <paramref name="old"/>, the node of the
    /// same key: no reader that starts meanwhile finds neither. The count is unchanged, so no resize runs between the
    /// two (a resize reorders chains, and could put the old node ahead of the new one). Caller holds the lock, has
    /// called <see cref="LinkAhead"/> and stamped <paramref name="added"/>, and marks <paramref name="old"/> Gone after.
    /// </summary>
    internal void Replace(Node<TKey, TValue> old, Node<TKey, TValue> added)
    {
        Volatile.Write(ref _buckets[BucketIndex(added.Hash, _buckets.Length)].Head, added);
        Remove(old);
    }

    /// <summary>True once the table has switched to randomized string hashing.</summary>
    internal bool HasRandomizedStrings => _randomizedStrings;

    private static bool IsLongerThan(Node<TKey, TValue>? node, int length)
    {
        for (int seen = 0; node is not null; node = node.HashNext)
        {
            if (++seen > length)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Rehashes every string key with the randomized hash. Readers see it as a resize.</summary>
    private void RandomizeStrings()
    {
        Interlocked.Increment(ref _version); // odd: a reader that misses now looks again
        _randomizedStrings = true;
        foreach (Bucket bucket in _buckets)
        {
            for (Node<TKey, TValue>? node = bucket.Head; node is not null; node = node.HashNext)
            {
                node.Hash = Unsafe.As<string>(node.Key).GetHashCode();
            }
        }

        Relink(_buckets.Length);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Unlinks a node from its chain. Caller holds the lock; the node must be in the table.</summary>
    internal void Remove(Node<TKey, TValue> node)
    {
        ref Node<TKey, TValue>? link = ref _buckets[BucketIndex(node.Hash, _buckets.Length)].Head;
        while (!ReferenceEquals(link, node))
        {
            link = ref link!.HashNext;
        }

        Volatile.Write(ref link, node.HashNext);
    }

    /// <summary>Counts the nodes by walking every chain: O(n), for invariant checks. Caller holds the lock.</summary>
    internal int CountByWalking()
    {
        int count = 0;
        foreach (Bucket bucket in _buckets)
        {
            for (Node<TKey, TValue>? node = bucket.Head; node is not null; node = node.HashNext)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Forgets every node. Readers still on the old array finish their lookups on it.</summary>
    internal void Clear()
    {
        Volatile.Write(ref _buckets, new Bucket[InitialBuckets]);
    }

    private void Resize(int newLength)
    {
        Interlocked.Increment(ref _version); // odd: a reader that misses now looks again
        Relink(newLength);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Moves every node into a new bucket array by its hash. The caller has made the version odd.</summary>
    private void Relink(int newLength)
    {
        Bucket[] old = _buckets;
        var buckets = new Bucket[newLength];
        foreach (Bucket bucket in old)
        {
            Node<TKey, TValue>? node = bucket.Head;
            while (node is not null)
            {
                Node<TKey, TValue>? next = node.HashNext;
                ref Node<TKey, TValue>? head = ref buckets[BucketIndex(node.Hash, newLength)].Head;
                Volatile.Write(ref node.HashNext, head);
                head = node;
                node = next;
            }
        }

        Volatile.Write(ref _buckets, buckets);
    }

    /// <summary>
    /// A chain head. Wrapping the reference in a struct spares every access the array-covariance type
    /// check that an element of a <c>Node[]</c> (Node has subclasses) would cost.
    /// </summary>
    private struct Bucket
    {
        internal Node<TKey, TValue>? Head;
    }
}
