namespace AtomicLru.Engine;

/// <summary>Why an entry left the cache.</summary>
internal enum RemovalReason
{
    /// <summary>Evicted as least recently used, to keep the cache within its limits.</summary>
    Capacity,

    /// <summary>Its time to live ran out.</summary>
    Expired,

    /// <summary>Removed by an explicit call.</summary>
    Removed,

    /// <summary>Overwritten by a new value under the same key.</summary>
    Replaced,

    /// <summary>Dropped by <c>Clear</c>.</summary>
    Cleared,

    /// <summary>Never stored: oversized, larger than the per-entry maximum. The value reported is the one refused.</summary>
    Oversized,

    /// <summary>A change token the entry depended on fired (IMemoryCache's expiration tokens).</summary>
    TokenExpired,
}
