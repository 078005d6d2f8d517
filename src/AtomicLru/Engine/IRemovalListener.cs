namespace AtomicLru.Engine;

/// <summary>
/// Hears of every entry that leaves the engine. Implementations must not throw (a face that runs user
/// callbacks catches and logs their exceptions itself). Called after the policy lock is released, on the thread
/// whose operation removed the entry (or the background reclaim's), so it may call back into the cache.
/// </summary>
internal interface IRemovalListener<TKey, TValue>
{
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The value that left (for a refused write, the value that was not stored).</param>
    /// <param name="size">What the entry was charged against the size limit (for a refused write, what it would have been).</param>
    /// <param name="reason">Why it left.</param>
    void OnRemoved(TKey key, TValue value, long size, RemovalReason reason);
}
