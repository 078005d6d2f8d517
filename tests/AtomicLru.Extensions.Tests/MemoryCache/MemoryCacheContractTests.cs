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
}

/// <summary>The same contract under Window TinyLFU, with a count limit so that its regions are in play.</summary>
public sealed class AtomicLruTinyLfuMemoryCacheContractTests : MemoryCacheContractTests
{
    protected override IMemoryCache Create()
        => new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 1000, EvictionPolicy = AtomicLruEvictionPolicy.TinyLfu }, Time);
}
