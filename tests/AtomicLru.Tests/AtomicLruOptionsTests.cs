using System;
using System.Threading;
using AtomicLru;

namespace AtomicLru.Tests;

/// <summary>
/// What <see cref="AtomicLruOptions"/> says when a setting is out of range (its name, the rule and the value, so a
/// configuration mistake is fixed from the message alone), where each range ends, and the per-entry maximum it implies.
/// </summary>
public sealed class AtomicLruOptionsTests
{
    public static TheoryData<AtomicLruOptions, string, string> Mistakes => new()
    {
        { new AtomicLruOptions { SizeLimitInBytes = 4095 }, "SizeLimitInBytes", "AtomicLruOptions.SizeLimitInBytes must be at least 4096 (or null for no limit); it was 4095." },
        { new AtomicLruOptions { SizeLimitInBytes = 8192, MaxItemSizeInBytes = 8193 }, "MaxItemSizeInBytes", "AtomicLruOptions.MaxItemSizeInBytes must be positive and at most SizeLimitInBytes (8192); it was 8193." },
        { new AtomicLruOptions { MaxItemSizeInBytes = 0 }, "MaxItemSizeInBytes", "AtomicLruOptions.MaxItemSizeInBytes must be positive and at most SizeLimitInBytes (none); it was 0." },
        { new AtomicLruOptions { MaxItems = 0 }, "MaxItems", "AtomicLruOptions.MaxItems must be at least 1 (or null for no limit); it was 0." },
        { new AtomicLruOptions { DefaultTtl = TimeSpan.FromSeconds(-3) }, "DefaultTtl", "AtomicLruOptions.DefaultTtl must be positive, Timeout.InfiniteTimeSpan, or null; it was -00:00:03." },
        { new AtomicLruOptions { EvictionPolicy = (AtomicLruEvictionPolicy)7 }, "EvictionPolicy", "AtomicLruOptions.EvictionPolicy must be Lru or TinyLfu; it was 7." },
        { new AtomicLruOptions { ExpirationScanFrequency = TimeSpan.FromDays(2) }, "ExpirationScanFrequency", "AtomicLruOptions.ExpirationScanFrequency must be from 1 millisecond to 1 day; it was 2.00:00:00." },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void A_setting_out_of_range_is_named_with_its_rule_and_value(AtomicLruOptions options, string name, string message)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(name, error.ParamName);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);

        // Every constructor checks them the same way.
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruCache(options)).ParamName);
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruStorage<string>(options)).ParamName);
    }

    [Fact]
    public void Each_range_includes_its_ends()
    {
        new AtomicLruOptions { SizeLimitInBytes = AtomicLruOptions.MinimumSizeLimitInBytes }.Validate();
        new AtomicLruOptions { SizeLimitInBytes = 8192, MaxItemSizeInBytes = 8192 }.Validate(); // an entry may take the whole limit
        new AtomicLruOptions { MaxItemSizeInBytes = 1 }.Validate();
        new AtomicLruOptions { MaxItemSizeInBytes = long.MaxValue }.Validate(); // no byte limit: any per-entry maximum
        new AtomicLruOptions { MaxItems = 1 }.Validate();
        new AtomicLruOptions { DefaultTtl = TimeSpan.FromTicks(1) }.Validate();
        new AtomicLruOptions { DefaultTtl = Timeout.InfiniteTimeSpan }.Validate();
        new AtomicLruOptions { ExpirationScanFrequency = TimeSpan.FromMilliseconds(1) }.Validate();
        new AtomicLruOptions { ExpirationScanFrequency = TimeSpan.FromDays(1) }.Validate();
    }

    [Fact]
    public void A_bad_time_to_live_at_a_call_is_named_with_its_rule_and_value()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cache.Set("k", 1, TimeSpan.FromSeconds(-2)));
        Assert.Equal("ttl", error.ParamName);
        Assert.StartsWith("A time to live must be positive or Timeout.InfiniteTimeSpan; it was -00:00:02.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_per_entry_maximum_an_entry_may_take_half_the_byte_limit()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 8192 });
        cache.SetBytes("half", new byte[3_500]); // with its key and bookkeeping, under 4,096
        Assert.True(cache.ContainsKey("half"));

        cache.SetBytes("more", new byte[4_200]); // over half: not stored
        Assert.False(cache.ContainsKey("more"));
        Assert.True(cache.ContainsKey("half"));

        // Without a byte limit there is no per-entry maximum.
        using var unbounded = new AtomicLruCache(new AtomicLruOptions());
        unbounded.SetBytes("big", new byte[1 << 20]);
        Assert.True(unbounded.ContainsKey("big"));
    }
}
