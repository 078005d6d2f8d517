using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>Edges of <see cref="AtomicLruMemoryCache"/>: disposal, and sizes near the largest.</summary>
public sealed class MemoryCacheEdgeTests
{
    [Fact]
    public void After_Dispose_Count_reads_writes_and_Keys_throw_naming_AtomicLruMemoryCache()
    {
        var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), new FakeTimeProvider());
        cache.Set("k", 1);
        cache.Dispose();
        Assert.Equal(typeof(AtomicLruMemoryCache).FullName, Assert.Throws<ObjectDisposedException>(() => cache.Count).ObjectName);
        Assert.Equal(typeof(AtomicLruMemoryCache).FullName, Assert.Throws<ObjectDisposedException>(() => cache.Set("k", 2)).ObjectName);
        Assert.Equal(typeof(AtomicLruMemoryCache).FullName, Assert.Throws<ObjectDisposedException>(() => cache.TryGetValue("k", out _)).ObjectName);
        Assert.Equal(typeof(AtomicLruMemoryCache).FullName, Assert.Throws<ObjectDisposedException>(() => cache.Keys.ToList()).ObjectName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(long.MaxValue)]
    public void The_estimated_size_never_overflows_however_large_the_sizes(long? sizeLimit)
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { SizeLimitInBytes = sizeLimit, MaxItemSizeInBytes = sizeLimit }, new FakeTimeProvider());
        long largest = (1L << 56) - 1;
        for (int i = 0; i < 200; i++)
        {
            cache.Set(i, i, new MemoryCacheEntryOptions { Size = largest });
            long? size = cache.GetCurrentStatistics()!.CurrentEstimatedSize;
            Assert.InRange(size!.Value, 0, long.MaxValue);
        }

        Assert.Equal(128, cache.Count); // the most that fit in long.MaxValue; the oldest were evicted
        Assert.Equal(199, cache.Get<int>(199));
        cache.Engine.CheckInvariants();
    }

    /// <summary>A change token without callbacks: the cache must poll it.</summary>
    private sealed class PolledToken : IChangeToken
    {
        public bool HasChanged { get; set; }

        public bool ActiveChangeCallbacks => false;

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => throw new NotSupportedException("polled only");
    }

    [Fact]
    public void A_read_that_finds_a_fired_polled_token_counts_a_miss_not_a_hit()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), new FakeTimeProvider());
        var token = new PolledToken();
        cache.Set("k", 1, token);
        Assert.True(cache.TryGetValue("k", out _));
        token.HasChanged = true;
        Assert.False(cache.TryGetValue("k", out _));
        Assert.False(cache.TryGetValue("k", out _)); // gone now: a plain miss

        MemoryCacheStatistics statistics = cache.GetCurrentStatistics()!;
        Assert.Equal(1, statistics.TotalHits);
        Assert.Equal(2, statistics.TotalMisses);
    }

    [Fact]
    public void A_disposed_cache_is_not_kept_alive_by_a_change_token_that_lives_on()
    {
        using var source = new CancellationTokenSource(); // lives on, as an application-wide token would
        (WeakReference cache, WeakReference value) = FillAndDispose(source.Token);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(cache.IsAlive, "the token's registration keeps the disposed cache reachable");
        Assert.False(value.IsAlive, "the token's registration keeps a dropped value reachable");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Cache, WeakReference Value) FillAndDispose(CancellationToken token)
    {
        var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), new FakeTimeProvider());
        var value = new byte[1000];
        cache.Set("k", value, new CancellationChangeToken(token));
        cache.Dispose();
        return (new WeakReference(cache), new WeakReference(value));
    }
}
