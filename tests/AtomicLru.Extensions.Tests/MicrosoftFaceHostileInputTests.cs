using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// Rows of the hostile-inputs table in docs/testing.md for <see cref="AtomicLruMemoryCache"/> and
/// <see cref="AtomicLruDistributedCache"/>: extreme sizes and expirations, callbacks and tokens that call back or
/// throw, and Dispose racing the operations. Every test ends with the engine's invariants.
/// </summary>
public sealed class MicrosoftFaceHostileInputTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>Tests that jump a century use a reclaim timer a day apart: the fake clock runs every tick it jumps over.</summary>
    private static AtomicLruOptions DailyReclaim(long? sizeLimit = null) => new() { SizeLimitInBytes = sizeLimit, ExpirationScanFrequency = TimeSpan.FromDays(1) };

    [Fact]
    public void A_Size_over_what_an_entry_may_charge_is_refused_as_capacity_and_the_old_value_goes()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), _time);
        cache.Set("k", 1);
        var reasons = new List<EvictionReason>();
        cache.Set("k", 2, new MemoryCacheEntryOptions { Size = long.MaxValue }.RegisterPostEvictionCallback((_, _, reason, _) => reasons.Add(reason)));
        Assert.False(cache.TryGetValue("k", out _)); // a stale value is worse than a miss
        Assert.Equal([EvictionReason.Capacity], reasons);
        Assert.Equal(0, cache.GetCurrentStatistics()!.CurrentEstimatedSize);
        cache.Engine.CheckInvariants();
    }

    [Fact]
    public void DateTimeOffset_extremes_as_absolute_expiration_expire_at_once_or_never()
    {
        using var cache = new AtomicLruMemoryCache(DailyReclaim(), _time);
        cache.Set("past", 1, DateTimeOffset.MinValue);
        cache.Set("future", 2, DateTimeOffset.MaxValue);
        cache.Set("relative", 3, TimeSpan.MaxValue);
        cache.Set("sliding", 4, new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.MaxValue });
        _time.Advance(TimeSpan.FromDays(365 * 100));

        Assert.False(cache.TryGetValue("past", out _));
        Assert.Equal(2, cache.Get<int>("future"));
        Assert.Equal(3, cache.Get<int>("relative"));
        Assert.Equal(4, cache.Get<int>("sliding"));
        cache.Engine.CheckInvariants();
    }

    [Fact]
    public async Task A_post_eviction_callback_that_writes_to_the_cache_deadlocks_nothing()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 2 }, _time);
        var options = new MemoryCacheEntryOptions().RegisterPostEvictionCallback((key, _, reason, state) =>
        {
            var self = (AtomicLruMemoryCache)state!;
            if (reason == EvictionReason.Capacity)
            {
                self.Set("evicted:" + key, true); // evicts again, from inside the callback
                self.Remove("nothing");
            }
        }, cache);
        Task work = Task.Run(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                cache.Set(i, i, options);
            }
        });
        await work.WaitAsync(TimeSpan.FromSeconds(30)); // a TimeoutException here means a callback that writes to the cache deadlocked it
        Assert.True(cache.Count <= 2);
        cache.Engine.CheckInvariants();
    }

    private sealed class HostileToken(bool throwOnRegister, bool throwOnHasChanged) : IChangeToken
    {
        public bool HasChanged => throwOnHasChanged ? throw new InvalidOperationException("HasChanged threw") : false;

        public bool ActiveChangeCallbacks => true;

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state)
            => throwOnRegister ? throw new InvalidOperationException("RegisterChangeCallback threw") : new CancellationTokenRegistration();
    }

    [Fact]
    public void A_token_whose_HasChanged_throws_fails_the_commit_and_stores_nothing()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), _time);
        cache.Set("k", 1);
        Assert.Throws<InvalidOperationException>(() => cache.Set("k", 2, new HostileToken(throwOnRegister: false, throwOnHasChanged: true)));
        Assert.Equal(1, cache.Get<int>("k"));
        cache.Engine.CheckInvariants();
    }

    [Fact]
    public void A_token_whose_registration_throws_fails_the_call_and_leaves_the_cache_consistent()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), _time);
        Assert.Throws<InvalidOperationException>(() => cache.Set("k", 2, new HostileToken(throwOnRegister: true, throwOnHasChanged: false)));
        cache.Engine.CheckInvariants();
        cache.Set("k", 3);
        Assert.Equal(3, cache.Get<int>("k"));
    }

    [Fact]
    public void Distributed_extremes_store_an_empty_value_refuse_an_oversized_one_and_take_DateTimeOffset_MaxValue()
    {
        using var inner = new AtomicLruCache(DailyReclaim(8192), timeProvider: _time);
        var cache = new AtomicLruDistributedCache(inner);
        cache.Set("empty", [], new DistributedCacheEntryOptions());
        Assert.Equal(Array.Empty<byte>(), cache.Get("empty"));

        cache.Set("big", new byte[1], new DistributedCacheEntryOptions());
        cache.Set("big", new byte[8192], new DistributedCacheEntryOptions()); // over the per-item maximum (4096)
        Assert.Null(cache.Get("big"));

        cache.Set("future", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.MaxValue, SlidingExpiration = TimeSpan.MaxValue });
        _time.Advance(TimeSpan.FromDays(365 * 100));
        Assert.Equal(new byte[] { 1 }, cache.Get("future"));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Set("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.Zero }));
        inner.Engine.CheckInvariants();
    }

    public enum MemoryOperation
    {
        Set,
        TryGetValue,
        Remove,
        Compact,
        Clear,
        Keys,
        Statistics,
    }

    [Theory]
    [InlineData(MemoryOperation.Set)]
    [InlineData(MemoryOperation.TryGetValue)]
    [InlineData(MemoryOperation.Remove)]
    [InlineData(MemoryOperation.Compact)]
    [InlineData(MemoryOperation.Clear)]
    [InlineData(MemoryOperation.Keys)]
    [InlineData(MemoryOperation.Statistics)]
    public void Dispose_racing_a_MemoryCache_operation_leaves_it_done_or_refused_and_the_cache_empty(MemoryOperation operation)
    {
        for (int round = 0; round < 300; round++)
        {
            var cache = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 8 }, _time);
            cache.Set("k", 1, new MemoryCacheEntryOptions().RegisterPostEvictionCallback((_, _, _, _) => { }));
            AtomicLru.Tests.Threads.RaceWithDispose(cache.Dispose, i => Run(cache, operation, "k" + (i % 10)));
            Assert.Equal(0, cache.Engine.Count);
            Assert.Throws<ObjectDisposedException>(() => cache.Set("k", 2));
        }
    }

    private static void Run(AtomicLruMemoryCache cache, MemoryOperation operation, string key)
    {
        switch (operation)
        {
            case MemoryOperation.Set: cache.Set(key, 1); break;
            case MemoryOperation.TryGetValue: cache.TryGetValue(key, out _); break;
            case MemoryOperation.Remove: cache.Remove(key); break;
            case MemoryOperation.Compact: cache.Compact(0.5); break;
            case MemoryOperation.Clear: cache.Clear(); break;
            case MemoryOperation.Keys: _ = cache.Keys; break;
            default: cache.GetCurrentStatistics(); break;
        }
    }
}
