namespace AtomicLru.Engine;

/// <summary>
/// An entry whose expiry slides: every read moves it to <see cref="Sliding"/> from now, never past
/// <see cref="Cap"/>. A separate node type, so that entries without sliding expiry do not pay for the two fields.
/// </summary>
/// <remarks>
/// Readers slide without the lock, by a compare-and-swap on <see cref="NodeLookupFields{TKey}.ExpiresAt"/> from
/// the value they checked: a writer that changed the entry meanwhile wrote its own expiry last, so a
/// reader can never stretch a newer value's lifetime with an older value's sliding window.
/// </remarks>
internal sealed class SlidingNode<TKey, TValue> : TimedNode<TKey, TValue>
    where TKey : notnull
{
    /// <summary>The sliding window, in timestamp units.</summary>
    internal long Sliding;

    /// <summary>The absolute expiry the window never passes; <see cref="Node{TKey,TValue}.Never"/> if none.</summary>
    internal long Cap;

    internal SlidingNode(TKey key, int hash, TValue value, long expiresAt, long size, long sliding, long cap)
        : base(key, hash, value, expiresAt, size, NodeKind.Sliding)
    {
        Sliding = sliding;
        Cap = cap;
    }

    /// <summary>The expiry a read at <paramref name="now"/> gives the entry.</summary>
    internal long SlideFrom(long now) => now > Cap - Sliding ? Cap : now + Sliding;
}
