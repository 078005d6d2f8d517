using System;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru;

namespace AtomicLru.Tests;

/// <summary>Bad input gets a clear exception at the call, and nothing stored is lost.</summary>
public sealed class StorageBadInputTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Max_items_below_one_is_refused_with_the_option_and_value_named(int maxItems)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruStorage<string>(new AtomicLruOptions { MaxItems = maxItems }));
        Assert.Equal("MaxItems", error.ParamName);
        Assert.Contains("MaxItems", error.Message);
        Assert.Contains(maxItems.ToString(), error.Message);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void An_eviction_policy_that_is_not_a_member_is_refused_by_name(int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruStorage<string>(new AtomicLruOptions { EvictionPolicy = (AtomicLruEvictionPolicy)value }));
        Assert.Equal("EvictionPolicy", error.ParamName);
        Assert.Contains("must be Lru or TinyLfu", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(4095L)]
    [InlineData(-1L)]
    public void Size_limit_below_4096_is_refused_with_the_option_and_value_named(long size)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruStorage<string>(new AtomicLruOptions { SizeLimitInBytes = size }));
        Assert.Equal("SizeLimitInBytes", error.ParamName);
        Assert.Contains(size.ToString(), error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1000)]
    public void Default_ttl_of_zero_or_below_is_refused_with_the_option_and_value_named(int milliseconds)
    {
        var ttl = TimeSpan.FromMilliseconds(milliseconds);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruStorage<string>(new AtomicLruOptions { DefaultTtl = ttl }));
        Assert.Equal("DefaultTtl", error.ParamName);
        Assert.Contains(ttl.ToString(), error.Message);
    }

    [Fact]
    public void Infinite_default_ttl_and_the_smallest_limits_are_accepted()
    {
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions
        {
            DefaultTtl = Timeout.InfiniteTimeSpan,
            MaxItems = 1,
            SizeLimitInBytes = 4096,
        });
        storage.Set("k", "v");
        Assert.True(storage.ContainsKey("k"));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(5_000L)] // half a millisecond: a timer period truncated to none would tick once, then never again
    [InlineData(864_000_000_001L)] // a day and a tick
    [InlineData(60 * 864_000_000_000L)] // 60 days: past the longest period a timer takes
    [InlineData(long.MaxValue)]
    public void Expiration_scan_frequency_outside_a_millisecond_to_a_day_is_refused_by_name(long ticks)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruStorage<string>(new AtomicLruOptions { ExpirationScanFrequency = new TimeSpan(ticks) }));
        Assert.Equal("ExpirationScanFrequency", error.ParamName);
        Assert.Contains("ExpirationScanFrequency", error.Message);
    }

    [Theory]
    [InlineData(10_000L)] // 1 ms
    [InlineData(864_000_000_000L)] // 1 day
    public void Expiration_scan_frequency_at_either_end_of_its_range_is_accepted(long ticks)
    {
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions { ExpirationScanFrequency = new TimeSpan(ticks) });
        storage.Set("k", "v");
        Assert.True(storage.ContainsKey("k"));
    }

    [Fact]
    public void Null_options_throw()
    {
        Assert.Throws<ArgumentNullException>(() => new AtomicLruStorage<string>(null!));
    }

    [Fact]
    public void Options_changed_after_construction_do_not_change_the_storage()
    {
        var options = new AtomicLruOptions { MaxItems = 2 };
        using var storage = new AtomicLruStorage<string>(options);
        options.MaxItems = 0;
        options.DefaultTtl = TimeSpan.FromTicks(1);
        storage.Set("a", "1");
        storage.Set("b", "2");
        storage.Set("c", "3");
        Assert.Equal(2, storage.Count);
        Assert.True(storage.ContainsKey("c"));
    }

    [Fact]
    public async Task Null_keys_and_factories_throw_and_leave_the_storage_as_it_was()
    {
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions());
        storage.Set("k", "v");

        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => storage.TryGet(null!, out _)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => storage.Set(null!, "v")).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => storage.Remove(null!)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => storage.ContainsKey(null!)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => storage.GetOrAdd(null!, _ => "v")).ParamName);
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => storage.GetOrAdd("k", null!)).ParamName);
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentNullException>(() => storage.GetOrAddAsync(null!, (_, _) => ValueTask.FromResult("v")).AsTask())).ParamName);
        Assert.Equal("factory", (await Assert.ThrowsAsync<ArgumentNullException>(() => storage.GetOrAddAsync("k", null!).AsTask())).ParamName);

        Assert.True(storage.TryGet("k", out string? value));
        Assert.Equal("v", value);
        Assert.Equal(1, storage.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)] // -1 ms is Timeout.InfiniteTimeSpan, which is allowed
    [InlineData(-60_000)]
    public async Task A_ttl_of_zero_or_below_throws_and_the_old_value_stays(int milliseconds)
    {
        var ttl = TimeSpan.FromMilliseconds(milliseconds);
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions());
        storage.Set("k", "old");

        Assert.Equal("ttl", Assert.Throws<ArgumentOutOfRangeException>(() => storage.Set("k", "new", ttl)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => storage.GetOrAdd("other", _ => "v", ttl));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => storage.GetOrAddAsync("other", (_, _) => ValueTask.FromResult("v"), ttl).AsTask());
        Assert.Equal("ttl", Assert.Throws<ArgumentOutOfRangeException>(() => storage.GetOrAdd("k", _ => "v", ttl)).ParamName); // a hit too
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => storage.GetOrAddAsync("k", (_, _) => ValueTask.FromResult("v"), ttl).AsTask());

        Assert.True(storage.TryGet("k", out string? value));
        Assert.Equal("old", value);
        Assert.False(storage.ContainsKey("other"));
    }

    [Fact]
    public void A_throwing_sync_factory_leaves_the_storage_unchanged()
    {
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions { MaxItems = 2 });
        storage.Set("a", "1");
        storage.Set("b", "2");
        Assert.Throws<InvalidOperationException>(() => storage.GetOrAdd("c", _ => throw new InvalidOperationException()));
        Assert.Equal(2, storage.Count);
        Assert.True(storage.ContainsKey("a"));
        Assert.True(storage.ContainsKey("b"));
    }
}
