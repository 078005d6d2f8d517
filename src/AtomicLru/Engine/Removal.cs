namespace AtomicLru.Engine;

/// <summary>A removal recorded under the policy lock and reported once the lock is released; <see cref="Size"/> is what the entry was charged (or would have been, for a refused write).</summary>
internal readonly record struct Removal<TKey, TValue>(TKey Key, TValue Value, long Size, RemovalReason Reason);
