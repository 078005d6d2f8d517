using System;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>
/// What one entry of the serialized cache costs in managed memory, so that <c>SizeLimitInBytes</c> bounds
/// the memory the cache really holds, not only its payload bytes. For 64-bit runtimes; checked against the
/// real heap by <c>CacheMemoryTests</c>.
/// </summary>
internal static class EntrySize
{
    /// <summary>A <c>Node&lt;string, byte[]&gt;</c>: object header and method table (16), six references or longs (48), the hash and its padding (8).</summary>
    internal const int NodeBytes = 72;

    /// <summary>A <c>TimedNode&lt;string, byte[]&gt;</c> (an entry that expires): a node and its two timer-wheel links.</summary>
    internal const int TimedNodeBytes = NodeBytes + 16;

    /// <summary>A <c>SlidingNode&lt;string, byte[]&gt;</c>: a timed node and two longs for the sliding window and its cap.</summary>
    internal const int SlidingNodeBytes = TimedNodeBytes + 16;

    /// <summary>
    /// The entry's share of the hash table's bucket array (two to four references, at the load factors between a
    /// half and a quarter that the table keeps: 24 bytes on average) and of the recency log (one slot, two
    /// after the log doubles: 16).
    /// </summary>
    internal const int IndexBytes = 40;

    /// <summary>Bytes charged for an entry with this key and payload length, stored with this time to live and sliding window.</summary>
    internal static long Of(string key, int payloadLength, TimeSpan ttl, TimeSpan sliding = default)
        => Align8(24L + payloadLength)          // byte[]: header, method table, length
           + Align8(22L + (2L * key.Length))     // string: header, method table, length, chars, terminator
           + NodeBytesFor(ttl, sliding)
           + IndexBytes;

    /// <summary>
    /// The node the engine makes for an entry with this time to live and sliding window. A finite
    /// <paramref name="ttl"/> so long that it saturates to "never" gets a plain node: charged 16 bytes more than it holds.
    /// </summary>
    internal static int NodeBytesFor(TimeSpan ttl, TimeSpan sliding)
        => sliding > TimeSpan.Zero ? SlidingNodeBytes : ttl == Timeout.InfiniteTimeSpan ? NodeBytes : TimedNodeBytes;

    private static long Align8(long bytes) => (bytes + 7) & ~7L;
}
