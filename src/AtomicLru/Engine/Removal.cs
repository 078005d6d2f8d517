namespace AtomicLru.Engine;

/// <summary>A removal recorded under the policy lock and reported once the lock is released.</summary>
internal readonly record struct Removal<TKey, TValue>(TKey Key, TValue Value, RemovalReason Reason);
