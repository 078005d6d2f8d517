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
/// The <see cref="IMemoryCache"/> contract, written once and run against the reference <see cref="MemoryCache"/>
/// and against <see cref="AtomicLruMemoryCache"/>, with time from a <see cref="FakeTimeProvider"/>.
/// </summary>
public abstract class MemoryCacheContractTests
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected abstract IMemoryCache Create();

    /// <summary>Collects post-eviction callbacks, which MemoryCache delivers on the thread pool.</summary>
    protected sealed class Evictions
    {
        private readonly ConcurrentQueue<(object Key, object? Value, EvictionReason Reason)> _seen = new();
        private readonly SemaphoreSlim _signal = new(0);

        public PostEvictionDelegate Callback => (key, value, reason, _) =>
        {
            _seen.Enqueue((key, value, reason));
            _signal.Release();
        };

        public async Task<(object Key, object? Value, EvictionReason Reason)> NextAsync()
        {
            Assert.True(await _signal.WaitAsync(TimeSpan.FromSeconds(30)), "no post-eviction callback came");
            Assert.True(_seen.TryDequeue(out var eviction));
            return eviction;
        }

        public int Count => _seen.Count;
    }

    [Fact]
    public void A_missing_key_misses()
    {
        IMemoryCache cache = Create();
        Assert.False(cache.TryGetValue("missing", out object? value));
        Assert.Null(value);
        Assert.Null(cache.Get("missing"));
    }

    [Fact]
    public void Set_and_get_through_the_extension_methods()
    {
        IMemoryCache cache = Create();
        cache.Set("s", "text");
        cache.Set(42, 4.2);
        cache.Set(("tuple", 1), "by value");
        Assert.Equal("text", cache.Get<string>("s"));
        Assert.True(cache.TryGetValue(42, out double number));
        Assert.Equal(4.2, number);
        Assert.Equal("by value", cache.Get(("tuple", 1)));
        cache.Set<string?>("null", null);
        Assert.True(cache.TryGetValue("null", out string? nothing)); // a cached null is a hit
        Assert.Null(nothing);
    }

    [Fact]
    public void An_entry_is_committed_on_dispose_only_if_its_value_was_set()
    {
        IMemoryCache cache = Create();
        using (cache.CreateEntry("no-value"))
        {
        }

        Assert.False(cache.TryGetValue("no-value", out _));
        ICacheEntry entry = cache.CreateEntry("k");
        entry.Value = "v";
        Assert.False(cache.TryGetValue("k", out _)); // not before Dispose
        entry.Dispose();
        Assert.Equal("v", cache.Get("k"));
    }

    [Fact]
    public async Task Disposing_twice_commits_once()
    {
        IMemoryCache cache = Create();
        var evictions = new Evictions();
        ICacheEntry entry = cache.CreateEntry("k");
        entry.Value = "v";
        entry.RegisterPostEvictionCallback(evictions.Callback);
        entry.Dispose();
        entry.Dispose();
        cache.Remove("k");
        Assert.Equal(EvictionReason.Removed, (await evictions.NextAsync()).Reason);
        Assert.False(cache.TryGetValue("k", out _));
    }

    [Fact]
    public void A_throwing_factory_commits_nothing()
    {
        IMemoryCache cache = Create();
        Assert.Throws<InvalidOperationException>(() => cache.GetOrCreate<string>("k", _ => throw new InvalidOperationException()));
        Assert.False(cache.TryGetValue("k", out _));
        Assert.Equal("made", cache.GetOrCreate("k", _ => "made"));
        Assert.Equal("made", cache.GetOrCreate<string>("k", _ => throw new InvalidOperationException("cached")));
    }

    [Fact]
    public async Task GetOrCreateAsync_caches_the_factory_result()
    {
        IMemoryCache cache = Create();
        Assert.Equal(7, await cache.GetOrCreateAsync("k", _ => Task.FromResult(7)));
        Assert.Equal(7, await cache.GetOrCreateAsync("k", _ => Task.FromResult(8)));
    }

    [Fact]
    public async Task Overwrite_and_remove_fire_the_old_entries_callbacks_with_their_reasons()
    {
        IMemoryCache cache = Create();
        var evictions = new Evictions();
        cache.Set("k", "v1", new MemoryCacheEntryOptions().RegisterPostEvictionCallback(evictions.Callback));
        cache.Set("k", "v2", new MemoryCacheEntryOptions().RegisterPostEvictionCallback(evictions.Callback));
        var replaced = await evictions.NextAsync();
        Assert.Equal(("k", (object?)"v1", EvictionReason.Replaced), replaced);

        cache.Remove("k");
        var removed = await evictions.NextAsync();
        Assert.Equal(("k", (object?)"v2", EvictionReason.Removed), removed);
        Assert.False(cache.TryGetValue("k", out _));
    }

    [Fact]
    public void Relative_expiration_expires_the_entry()
    {
        IMemoryCache cache = Create();
        cache.Set("k", "v", TimeSpan.FromMinutes(5));
        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(cache.TryGetValue("k", out _));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(cache.TryGetValue("k", out _));
    }

    [Theory]
    [InlineData(3, 10)]
    [InlineData(10, 3)]
    public void With_relative_and_absolute_expiration_the_earlier_wins(int relativeMinutes, int absoluteMinutes)
    {
        IMemoryCache cache = Create();
        cache.Set("k", "v", new MemoryCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(relativeMinutes),
            AbsoluteExpiration = Time.GetUtcNow().AddMinutes(absoluteMinutes),
        });
        Time.Advance(TimeSpan.FromMinutes(Math.Min(relativeMinutes, absoluteMinutes)) - TimeSpan.FromSeconds(1));
        Assert.True(cache.TryGetValue("k", out _));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGetValue("k", out _));
    }

    [Fact]
    public void Sliding_expiration_is_renewed_by_reads_and_never_passes_the_absolute_one()
    {
        IMemoryCache cache = Create();
        cache.Set("k", "v", new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(25) });
        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.True(cache.TryGetValue("k", out _));
        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.True(cache.TryGetValue("k", out _));
        Time.Advance(TimeSpan.FromMinutes(7)); // 25 minutes
        Assert.False(cache.TryGetValue("k", out _));

        cache.Set("idle", "v", new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(cache.TryGetValue("idle", out _));
    }

    [Fact]
    public async Task An_entry_already_expired_when_committed_is_not_added_and_its_callback_says_expired()
    {
        IMemoryCache cache = Create();
        var evictions = new Evictions();
        cache.Set("k", "v", new MemoryCacheEntryOptions { AbsoluteExpiration = Time.GetUtcNow().AddSeconds(-1) }.RegisterPostEvictionCallback(evictions.Callback));
        Assert.False(cache.TryGetValue("k", out _));
        Assert.Equal(EvictionReason.Expired, (await evictions.NextAsync()).Reason);
    }

    [Fact]
    public void An_entry_reads_back_its_settings_and_null_for_the_ones_never_set()
    {
        using IMemoryCache cache = Create();
        using ICacheEntry entry = cache.CreateEntry("k");
        Assert.Null(entry.AbsoluteExpiration);
        Assert.Null(entry.AbsoluteExpirationRelativeToNow);
        Assert.Null(entry.SlidingExpiration);
        Assert.Null(entry.Size);

        var absolute = new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.FromHours(2));
        entry.AbsoluteExpiration = absolute;
        entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromTicks(12_345);
        entry.SlidingExpiration = TimeSpan.FromMinutes(7);
        entry.Size = 0;
        Assert.Equal(absolute, entry.AbsoluteExpiration);
        Assert.Equal(absolute.Offset, entry.AbsoluteExpiration!.Value.Offset);
        Assert.Equal(TimeSpan.FromTicks(12_345), entry.AbsoluteExpirationRelativeToNow);
        Assert.Equal(TimeSpan.FromMinutes(7), entry.SlidingExpiration);
        Assert.Equal(0, entry.Size);

        entry.AbsoluteExpiration = null;
        entry.AbsoluteExpirationRelativeToNow = null;
        entry.SlidingExpiration = null;
        entry.Size = null;
        Assert.Null(entry.AbsoluteExpiration);
        Assert.Null(entry.AbsoluteExpirationRelativeToNow);
        Assert.Null(entry.SlidingExpiration);
        Assert.Null(entry.Size);
    }

    [Fact]
    public void Out_of_range_settings_and_null_keys_throw()
    {
        IMemoryCache cache = Create();
        using ICacheEntry entry = cache.CreateEntry("k");
        Assert.Throws<ArgumentOutOfRangeException>(() => entry.AbsoluteExpirationRelativeToNow = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => entry.SlidingExpiration = TimeSpan.FromSeconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => entry.Size = -1);
        Assert.Throws<ArgumentNullException>(() => cache.CreateEntry(null!));
        Assert.Throws<ArgumentNullException>(() => cache.TryGetValue(null!, out _));
        Assert.Throws<ArgumentNullException>(() => cache.Remove(null!));
    }

    [Fact]
    public async Task A_throwing_callback_harms_nothing_and_the_others_still_run()
    {
        IMemoryCache cache = Create();
        var evictions = new Evictions();
        cache.Set("k", "v", new MemoryCacheEntryOptions()
            .RegisterPostEvictionCallback((_, _, _, _) => throw new InvalidOperationException("callback failure"))
            .RegisterPostEvictionCallback(evictions.Callback));
        cache.Remove("k");
        Assert.Equal(EvictionReason.Removed, (await evictions.NextAsync()).Reason);
        cache.Set("k", "again");
        Assert.Equal("again", cache.Get("k"));
    }

    /// <summary>A token that never calls back: the cache must poll it.</summary>
    private sealed class PolledToken : Microsoft.Extensions.Primitives.IChangeToken
    {
        public bool HasChanged { get; set; }

        public bool ActiveChangeCallbacks => false;

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => throw new NotSupportedException();
    }

    [Fact]
    public async Task A_change_token_that_fires_removes_the_entry_with_reason_token_expired()
    {
        IMemoryCache cache = Create();
        var evictions = new Evictions();
        using var source = new CancellationTokenSource();
        cache.Set("k", "v", new MemoryCacheEntryOptions()
            .AddExpirationToken(new Microsoft.Extensions.Primitives.CancellationChangeToken(source.Token))
            .RegisterPostEvictionCallback(evictions.Callback));
        Assert.True(cache.TryGetValue("k", out _));

        await source.CancelAsync();
        Assert.Equal(EvictionReason.TokenExpired, (await evictions.NextAsync()).Reason);
        Assert.False(cache.TryGetValue("k", out _));
    }

    [Fact]
    public void A_token_without_callbacks_is_checked_on_read()
    {
        IMemoryCache cache = Create();
        var token = new PolledToken();
        cache.Set("k", "v", new MemoryCacheEntryOptions().AddExpirationToken(token));
        Assert.True(cache.TryGetValue("k", out _));
        token.HasChanged = true;
        Assert.False(cache.TryGetValue("k", out _));
    }

    [Fact]
    public async Task An_entry_whose_token_already_fired_is_not_added()
    {
        IMemoryCache cache = Create();
        var evictions = new Evictions();
        cache.Set("k", "v", new MemoryCacheEntryOptions()
            .AddExpirationToken(new PolledToken { HasChanged = true })
            .RegisterPostEvictionCallback(evictions.Callback));
        Assert.False(cache.TryGetValue("k", out _));
        Assert.Equal(EvictionReason.TokenExpired, (await evictions.NextAsync()).Reason);
    }

    [Fact]
    public void The_other_Set_overloads_of_the_extension_methods_work()
    {
        IMemoryCache cache = Create();
        cache.Set("absolute", "v", Time.GetUtcNow().AddMinutes(1));
        using var source = new CancellationTokenSource();
        cache.Set("token", "v", new Microsoft.Extensions.Primitives.CancellationChangeToken(source.Token));
        cache.Set("options", "v", new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(5) });
        Assert.Equal("v", cache.Get<string>("absolute"));
        Assert.Equal("v", cache.Get<string>("token"));
        Assert.Equal("v", cache.Get<string>("options"));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(cache.Get<string>("absolute"));
        Assert.True(cache.TryGetValue("options", out string? stillThere));
        Assert.Equal("v", stillThere);
    }

    [Fact]
    public void Statistics_count_hits_misses_and_entries()
    {
        IMemoryCache cache = Create();
        cache.Set("a", 1);
        cache.Set("b", 2);
        cache.TryGetValue("a", out _);
        cache.TryGetValue("a", out _);
        cache.TryGetValue("missing", out _);
        MemoryCacheStatistics? stats = cache.GetCurrentStatistics();
        Assert.NotNull(stats);
        Assert.Equal(2, stats.TotalHits);
        Assert.Equal(1, stats.TotalMisses);
        Assert.Equal(2, stats.CurrentEntryCount);
    }
}

public sealed class MemoryCacheReferenceContractTests : MemoryCacheContractTests
{
    protected override IMemoryCache Create()
#pragma warning disable CS0618 // MemoryCacheOptions.Clock is obsolete, and still the only way to give it a clock
        => new MemoryCache(Options.Create(new MemoryCacheOptions { Clock = new TimeProviderClock(Time), TrackStatistics = true }));
#pragma warning restore CS0618
}

public sealed class AtomicLruMemoryCacheContractTests : MemoryCacheContractTests
{
    protected override IMemoryCache Create() => new AtomicLruMemoryCache(new AtomicLruOptions(), Time);

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
    public void An_entry_without_a_Size_is_charged_the_bookkeeping_the_README_states()
    {
        // README: 112 bytes, 128 with an expiry, 144 sliding (the node and its share of the table and the recency log).
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
