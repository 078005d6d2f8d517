namespace AtomicLru.Engine;

/// <summary>
/// Hears of every entry that leaves the engine. Implementations must not throw (a face that runs user
/// callbacks catches and logs their exceptions itself). Called after the policy lock is released, on the thread
/// whose operation removed the entry (or the background reclaim's), so it may call back into the cache.
/// </summary>
internal interface IRemovalListener<TKey, TValue>
{
    void OnRemoved(TKey key, TValue value, RemovalReason reason);
}
