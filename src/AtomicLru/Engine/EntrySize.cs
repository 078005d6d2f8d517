namespace AtomicLru.Engine;

/// <summary>
/// What one entry of the serialized cache costs in managed memory, so that <c>SizeLimitInBytes</c> bounds
/// the memory the cache really holds, not only its payload bytes. For 64-bit runtimes; checked against the
/// real heap by <c>CacheMemoryTests</c>.
/// </summary>
internal static class EntrySize
{
    /// <summary>A <c>Node&lt;string, byte[]&gt;</c>: object header and method table (16), nine references or longs (72), the hash and padding (8).</summary>
    internal const int NodeBytes = 96;

    /// <summary>A <c>SlidingNode&lt;string, byte[]&gt;</c>: a node and two longs for the sliding window and its cap.</summary>
    internal const int SlidingNodeBytes = NodeBytes + 16;

    /// <summary>The entry's share of the bucket array: one reference per entry at load factor 1, two just after a resize.</summary>
    internal const int TableBytes = 16;

    /// <summary>Bytes charged for an entry with this key and payload length.</summary>
    internal static long Of(string key, int payloadLength, bool sliding = false)
        => Align8(24L + payloadLength)          // byte[]: header, method table, length
           + Align8(22L + (2L * key.Length))     // string: header, method table, length, chars, terminator
           + (sliding ? SlidingNodeBytes : NodeBytes)
           + TableBytes;

    private static long Align8(long bytes) => (bytes + 7) & ~7L;
}
