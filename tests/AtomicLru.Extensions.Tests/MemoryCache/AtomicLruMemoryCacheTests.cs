using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Extensions;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// Where <see cref="AtomicLruMemoryCache"/> goes beyond the <see cref="IMemoryCache"/> contract or differs from
/// <c>MemoryCache</c> on purpose: LRU eviction, byte charges, callbacks on the removing thread, <c>NeverRemove</c>,
/// <c>Keys</c>, <c>Compact</c>, reclaim without a read. The contract itself is <see cref="MemoryCacheContractTests"/>.
/// </summary>
public sealed class AtomicLruMemoryCacheTests
{
    private FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void When_full_the_least_recently_used_entry_leaves_never_the_new_one_unlike_MemoryCache()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 3 }, Time);
        cache.Set("a", 1);
        cache.Set("b", 2);
        cache.Set("c", 3);
        cache.TryGetValue("a", out _);
        cache.Set("d", 4);
        Assert.False(cache.TryGetValue("b", out _));
        Assert.True(cache.TryGetValue("d", out _));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void With_a_byte_limit_an_entry_without_size_is_charged_not_refused_unlike_MemoryCache()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { SizeLimitInBytes = 64 * 1024 }, Time);
        for (int i = 0; i < 1000; i++)
        {
            cache.Set(i, new byte[1000]); // MemoryCache would throw: no Size with a SizeLimit
        }

        MemoryCacheStatistics stats = cache.GetCurrentStatistics()!;
        Assert.True(stats.CurrentEstimatedSize <= 64 * 1024);
        Assert.True(stats.CurrentEntryCount is > 30 and < 64);
        Assert.True(cache.TryGetValue(999, out _));
        Assert.False(cache.TryGetValue(0, out _));
    }

    [Fact]
    public void Callbacks_run_before_the_removing_call_returns_and_exactly_once_unlike_MemoryCache_which_queues_them()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 1 }, Time);
        int calls = 0;
        EvictionReason? reason = null;
        cache.Set("a", 1, new MemoryCacheEntryOptions().RegisterPostEvictionCallback((_, _, r, _) =>
        {
            calls++;
            reason = r;
            cache.Set("from-callback", 0); // calling back into the cache from a callback cannot deadlock
        }));
        cache.Set("b", 2);
        Assert.Equal(1, calls);
        Assert.Equal(EvictionReason.Capacity, reason);
        cache.Clear();
        Assert.Equal(1, calls);
    }

    [Fact]
    public void NeverRemove_entries_are_never_evicted_for_capacity_and_the_others_go_by_lru()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 3 }, Time);
        cache.Set("pinned", 0, new MemoryCacheEntryOptions { Priority = CacheItemPriority.NeverRemove });
        for (int i = 0; i < 10; i++)
        {
            cache.Set("k" + i, i);
        }

        Assert.True(cache.TryGetValue("pinned", out _));
        Assert.True(cache.TryGetValue("k9", out _));
        Assert.True(cache.TryGetValue("k8", out _));
        Assert.False(cache.TryGetValue("k7", out _));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void When_only_NeverRemove_entries_remain_a_new_entry_is_refused_with_reason_capacity()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 2 }, Time);
        var never = new MemoryCacheEntryOptions { Priority = CacheItemPriority.NeverRemove };
        cache.Set("a", 1, never);
        cache.Set("b", 2, never);
        EvictionReason? reason = null;
        cache.Set("c", 3, new MemoryCacheEntryOptions().RegisterPostEvictionCallback((_, _, r, _) => reason = r));
        Assert.Equal(EvictionReason.Capacity, reason);
        Assert.False(cache.TryGetValue("c", out _));
        Assert.True(cache.TryGetValue("a", out _) && cache.TryGetValue("b", out _));

        cache.Set("a", 10); // no longer pinned: now it may go
        cache.Set("c", 3);
        Assert.True(cache.TryGetValue("c", out _));
        Assert.False(cache.TryGetValue("a", out _));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Keys_is_a_snapshot_of_unexpired_keys_most_recent_first()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), Time);
        cache.Set("a", 1);
        cache.Set(2, 2);
        cache.Set("short", 3, TimeSpan.FromMilliseconds(500));
        cache.TryGetValue("a", out _);
        Time.Advance(TimeSpan.FromMilliseconds(500)); // "short" expired, not yet reclaimed
        var keys = cache.Keys;
        cache.Set("later", 4);
        Assert.Equal(new object[] { "a", 2 }, keys);
    }

    [Fact]
    public void Compact_removes_the_least_recently_used_share_and_keeps_NeverRemove_entries()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), Time);
        var reasons = new System.Collections.Generic.List<EvictionReason>();
        cache.Set("pinned", 0, new MemoryCacheEntryOptions { Priority = CacheItemPriority.NeverRemove });
        for (int i = 0; i < 9; i++)
        {
            cache.Set(i, i, new MemoryCacheEntryOptions().RegisterPostEvictionCallback((_, _, r, _) => reasons.Add(r)));
        }

        cache.Compact(0.5); // 10 entries: 5 go, the oldest unpinned ones
        Assert.Equal(5, cache.Count);
        Assert.True(cache.TryGetValue("pinned", out _));
        Assert.False(cache.TryGetValue(4, out _));
        Assert.True(cache.TryGetValue(5, out _));
        Assert.All(reasons, r => Assert.Equal(EvictionReason.Capacity, r));

        cache.Compact(1.0);
        Assert.Equal(1, cache.Count); // only the pinned entry stays
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Compact(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Compact(double.NaN));
    }

    [Fact]
    public void A_throwing_callback_is_logged_at_error_with_the_key_type_not_the_key()
    {
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)]);
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), Time, factory);
        cache.Set("secret-key", 1, new MemoryCacheEntryOptions().RegisterPostEvictionCallback((_, _, _, _) => throw new InvalidOperationException("boom")));
        cache.Remove("secret-key");

        var record = Assert.Single(logs.GetSnapshot(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.IsType<InvalidOperationException>(record.Exception);
        Assert.Contains("System.String", record.Message);
        Assert.DoesNotContain("secret-key", record.Message); // keys can hold personal data
        cache.Set("secret-key", 2);
        Assert.Equal(2, cache.Get<int>("secret-key"));
    }

    [Fact]
    public void The_charge_for_an_entry_object_is_what_one_really_allocates()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), Time);
        cache.CreateEntry("warm-up").Dispose();
        long before = GC.GetAllocatedBytesForCurrentThread();
        ICacheEntry entry = cache.CreateEntry("k");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(AtomicLruMemoryCache.EntryObjectBytes, allocated);
        GC.KeepAlive(entry);
    }

    [Fact]
    public void An_entry_without_a_Size_is_charged_the_bookkeeping_the_usage_docs_state()
    {
        // docs/usage.md: 112 bytes, 128 with an expiry, 144 sliding (the node and its share of the table and the recency log).
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { SizeLimitInBytes = 1 << 20 }, Time);
        cache.Set("plain", 1);
        Assert.Equal(112, cache.GetCurrentStatistics()!.CurrentEstimatedSize);
        cache.Set("expires", 2, TimeSpan.FromMinutes(1));
        Assert.Equal(112 + 128, cache.GetCurrentStatistics()!.CurrentEstimatedSize);
        cache.Set("slides", 3, new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) });
        Assert.Equal(112 + 128 + 144, cache.GetCurrentStatistics()!.CurrentEstimatedSize);
    }

    [Fact]
    public void An_entry_with_no_callback_or_token_is_not_charged_for_an_entry_object_and_one_with_either_is()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { SizeLimitInBytes = 1 << 20 }, Time);
        cache.Set("plain", new byte[100]);
        long plain = cache.GetCurrentStatistics()!.CurrentEstimatedSize!.Value;
        cache.Set("called-back", new byte[100], new MemoryCacheEntryOptions().RegisterPostEvictionCallback((_, _, _, _) => { }));
        long calledBack = cache.GetCurrentStatistics()!.CurrentEstimatedSize!.Value - plain;
        using var tokenSource = new CancellationTokenSource();
        cache.Set("watched", new byte[100], new CancellationChangeToken(tokenSource.Token));
        long watched = cache.GetCurrentStatistics()!.CurrentEstimatedSize!.Value - plain - calledBack;

        Assert.Equal(plain + AtomicLruMemoryCache.EntryObjectBytes, calledBack);
        Assert.Equal(calledBack, watched);
    }

    [Fact]
    public void An_entry_with_no_callback_or_token_leaves_its_entry_object_to_the_collector()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), Time);
        WeakReference plain = Commit(cache, "plain", withCallback: false);
        WeakReference calledBack = Commit(cache, "called-back", withCallback: true);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(plain.IsAlive, "the cache kept the entry object of an entry with nothing to run or watch");
        Assert.True(calledBack.IsAlive, "the cache dropped the entry object that holds a callback");
        Assert.Equal("plain", cache.Get<string>("plain"));
        Assert.Equal("called-back", cache.Get<string>("called-back"));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference Commit(AtomicLruMemoryCache cache, string key, bool withCallback)
    {
        ICacheEntry entry = cache.CreateEntry(key);
        entry.Value = key;
        if (withCallback)
        {
            entry.RegisterPostEvictionCallback((_, _, _, _) => { });
        }

        entry.Dispose();
        return new WeakReference(entry);
    }

    [Fact]
    public void A_value_that_is_itself_a_cache_entry_comes_back_as_itself()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), Time);
        ICacheEntry inner = cache.CreateEntry("never-committed");
        inner.Value = "inner value";
        cache.Set("outer", inner);

        Assert.Same(inner, cache.Get("outer"));
        Assert.False(cache.TryGetValue("never-committed", out _));
    }

    [Fact]
    public void Expired_entries_are_reclaimed_without_a_read_unlike_MemoryCache()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions(), Time);
        int expired = 0;
        for (int i = 0; i < 100; i++)
        {
            cache.Set(i, i, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10) }
                .RegisterPostEvictionCallback((_, _, r, _) => { if (r == EvictionReason.Expired) { expired++; } }));
        }

        Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(0, cache.Count);
        Assert.Equal(100, expired);
    }
}
