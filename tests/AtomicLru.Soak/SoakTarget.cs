using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace AtomicLru.Soak;

/// <summary>What a read saw.</summary>
internal enum Read
{
    Hit,
    Miss,

    /// <summary>A value that does not belong to the key read (or a torn one).</summary>
    Wrong,
}

/// <summary>
/// One face of AtomicLru under the soak. Values encode their key (key × 10^9 + a sequence number), so a hit can be
/// checked to belong to its key; every face checks that itself and answers <see cref="Read.Wrong"/> otherwise.
/// </summary>
internal abstract class SoakTarget : IDisposable
{
    internal const int MaxItems = 1000;
    internal const long ValueBase = 1_000_000_000;

    private readonly ConcurrentQueue<string> _violations = new();
    private long _violationCount;

    internal abstract string Name { get; }

    /// <summary>The byte limit the face keeps, or null.</summary>
    internal virtual long? SizeLimit => null;

    internal abstract void Set(Random random, int key, long value);

    internal abstract Read Get(int key);

    internal abstract Read GetOrAdd(Random random, int key, long value);

    internal abstract void Remove(int key);

    /// <summary>A read that leaves recency and statistics alone (ContainsKey or Refresh, as the face has).</summary>
    internal abstract void Peek(int key);

    internal abstract void Clear();

    /// <summary>What the face offers beyond the rest (IMemoryCache's Compact); by default another Clear is too much, so nothing.</summary>
    internal virtual void Rare(Random random)
    {
    }

    /// <summary>Count and size as a lock-free reader sees them now.</summary>
    internal abstract (int Count, long Size) Observe();

    /// <summary>Hits and misses as the face's statistics count them.</summary>
    internal abstract (long Hits, long Misses) Statistics();

    /// <summary>Throws if the engine's structures disagree (size against the entries' charges, counts, links).</summary>
    internal abstract void CheckInvariants();

    /// <summary>Checks done once the workers have stopped and the cache is cleared (callbacks exactly once).</summary>
    internal virtual void CheckAfterClear()
    {
    }

    internal long Violations => Interlocked.Read(ref _violationCount);

    internal IEnumerable<string> ViolationSamples => _violations;

    /// <summary>GetOrAdd for a face without an atomic one: a read, then a Set on a miss.</summary>
    protected Read ReadOrSet(Random random, int key, long value)
    {
        Read read = Get(key);
        if (read == Read.Miss)
        {
            Set(random, key, value);
        }

        return read;
    }

    internal void Violation(string what)
    {
        if (Interlocked.Increment(ref _violationCount) <= 20)
        {
            _violations.Enqueue(what);
        }
    }

    internal static long Encode(int key, long sequence) => (key * ValueBase) + (sequence % ValueBase);

    internal static bool Belongs(long value, int key) => value / ValueBase == key;

    public abstract void Dispose();
}
