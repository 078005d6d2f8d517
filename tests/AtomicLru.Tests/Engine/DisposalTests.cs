using System;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>Dispose drops every entry, even with writes racing it, and later calls name the type the caller holds.</summary>
public sealed class DisposalTests
{
    [Fact]
    public void A_write_racing_Dispose_never_leaves_an_entry_in_the_disposed_cache()
    {
        int leaks = 0;
        for (int round = 0; round < 2000; round++)
        {
            var storage = new AtomicLruStorage<string>(new AtomicLruOptions { MaxItems = 100 }, new FakeTimeProvider());
            Threads.RaceWithDispose(storage.Dispose, i => storage.Set("k" + i, "v"));
            leaks += storage.Engine.Count == 0 ? 0 : 1;
        }

        Assert.Equal(0, leaks);
    }

    [Fact]
    public void Calls_after_Dispose_throw_naming_the_public_type()
    {
        var storage = new AtomicLruStorage<int>(new AtomicLruOptions());
        storage.Set("k", 1);
        storage.Dispose();
        Action[] storageCalls =
        [
            () => storage.Set("k", 1),
            () => storage.TryGet("k", out _),
            () => storage.GetOrAdd("k", _ => 2),
            () => storage.ContainsKey("k"),
            () => storage.Remove("k"),
            () => storage.Clear(),
        ];
        foreach (Action call in storageCalls)
        {
            Assert.Contains("AtomicLruStorage<Int32>", Assert.Throws<ObjectDisposedException>(call).ObjectName, StringComparison.Ordinal);
        }

        var cache = new AtomicLruCache(new AtomicLruOptions());
        cache.Set("k", 1);
        cache.Dispose();
        Action[] cacheCalls =
        [
            () => cache.Set("k", 1),
            () => cache.TryGet<int>("k", out _),
            () => cache.GetOrAdd("k", _ => 2),
            () => cache.ContainsKey("k"),
            () => cache.Remove("k"),
            () => cache.Clear(),
        ];
        foreach (Action call in cacheCalls)
        {
            Assert.Equal(typeof(AtomicLruCache).FullName, Assert.Throws<ObjectDisposedException>(call).ObjectName);
        }
    }

    [Fact]
    public void Without_a_size_limit_sizes_that_would_sum_past_long_MaxValue_evict_instead_of_wrapping()
    {
        using var engine = new LruEngine<int, string>(maxItems: null, maxSize: null, new FakeTimeProvider(), TimeSpan.FromSeconds(1));
        long largest = Node<int, string>.MaxSize - 1; // 2^56 - 1
        for (int i = 0; i < 200; i++)
        {
            Assert.True(engine.Set(i, "v", Timeout.InfiniteTimeSpan, largest));
            Assert.InRange(engine.Size, 0, long.MaxValue);
        }

        // 2^63 - 1 holds 128 such entries: the oldest 72 went, the newest are all there.
        Assert.Equal(128, engine.Count);
        Assert.Equal(128 * largest, engine.Size);
        Assert.True(engine.TryGet(72, out _));
        Assert.False(engine.TryGet(71, out _));
        engine.CheckInvariants();
    }
}
