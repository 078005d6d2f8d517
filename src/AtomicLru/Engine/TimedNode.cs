namespace AtomicLru.Engine;

/// <summary>
/// An entry that was stored with an expiry: a node that is also a link in a timer-wheel bucket, so the
/// wheel reclaims it on time without a scan. It keeps its type if an overwrite takes the expiry away (it
/// then simply leaves the wheel); a plain <see cref="Node{TKey,TValue}"/> that is given an expiry is
/// replaced by a new timed node.
/// </summary>
internal class TimedNode<TKey, TValue> : Node<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Timer-wheel links; null while the node is in no bucket.</summary>
    internal TimedNode<TKey, TValue>? WheelPrev;
    internal TimedNode<TKey, TValue>? WheelNext;

    internal TimedNode(TKey key, int hash, TValue value, long expiresAt, long size)
        : this(key, hash, value, expiresAt, size, NodeKind.Timed)
    {
    }

    private protected TimedNode(TKey key, int hash, TValue value, long expiresAt, long size, NodeKind kind)
        : base(key, hash, value, expiresAt, size, kind)
    {
    }

    /// <summary>Creates the head of a circular timer-wheel bucket, never stored in the table.</summary>
    internal static TimedNode<TKey, TValue> CreateBucketSentinel()
    {
        var sentinel = new TimedNode<TKey, TValue>(default!, 0, default!, Never, 0);
        sentinel.WheelPrev = sentinel.WheelNext = sentinel;
        return sentinel;
    }
}
