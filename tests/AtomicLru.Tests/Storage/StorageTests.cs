using System;
using System.Linq;
using System.Threading;
using AtomicLru;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>What AtomicLruStorage promises one call at a time: same instance back, LRU eviction, TTLs, removal, statistics.</summary>
public sealed class StorageTests
{
    private sealed class ExpensiveObject;

    private readonly FakeTimeProvider _time = new();

    private AtomicLruStorage<T> Create<T>(int? maxItems = null, TimeSpan? defaultTtl = null)
        => new(new AtomicLruOptions { MaxItems = maxItems, DefaultTtl = defaultTtl }, _time);

    [Fact]
    public void Unknown_key_misses()
    {
        using var storage = Create<string>();
        Assert.False(storage.TryGet("nope", out string? value));
        Assert.Null(value);
        Assert.Equal(1, storage.GetStatistics().Misses);
    }

    [Fact]
    public void Set_then_get_returns_the_same_instance()
    {
        using var storage = Create<ExpensiveObject>();
        var value = new ExpensiveObject();
        storage.Set("key1", value, TimeSpan.FromSeconds(60));

        Assert.True(storage.TryGet("key1", out ExpensiveObject? hit));
        Assert.Same(value, hit);
        Assert.Equal(1, storage.GetStatistics().Hits);
    }

    [Fact]
    public void Overwrite_replaces_the_value_keeps_count_and_makes_the_key_most_recent()
    {
        using var storage = Create<string>(maxItems: 2);
        storage.Set("a", "1");
        storage.Set("b", "2");
        storage.Set("a", "3"); // a is now most recent
        Assert.Equal(2, storage.Count);

        storage.Set("c", "4"); // evicts b, the least recent
        Assert.True(storage.TryGet("a", out string? a));
        Assert.Equal("3", a);
        Assert.False(storage.ContainsKey("b"));
        Assert.True(storage.ContainsKey("c"));
        Assert.Equal(1, storage.GetStatistics().Replacements);
    }

    [Fact]
    public void Overwrite_of_a_value_type_replaces_the_value_and_makes_the_key_most_recent()
    {
        using var storage = Create<int>(maxItems: 2);
        storage.Set("a", 1);
        storage.Set("b", 2);
        storage.Set("a", 3);
        storage.Set("c", 4);
        Assert.True(storage.TryGet("a", out int a));
        Assert.Equal(3, a);
        Assert.False(storage.ContainsKey("b"));
        Assert.Equal(2, storage.Count);
    }

    [Fact]
    public void Max_items_three_evicts_the_least_recently_used()
    {
        using var storage = Create<string>(maxItems: 3);
        storage.Set("k1", "v1");
        storage.Set("k2", "v2");
        storage.Set("k3", "v3");
        Assert.True(storage.TryGet("k1", out _));
        storage.Set("k4", "v4");

        Assert.False(storage.ContainsKey("k2"));
        Assert.True(storage.ContainsKey("k1"));
        Assert.True(storage.ContainsKey("k3"));
        Assert.True(storage.ContainsKey("k4"));
        Assert.Equal(3, storage.Count);
        Assert.Equal(1, storage.GetStatistics().CapacityEvictions);
    }

    [Fact]
    public void Max_items_eleven_keeps_the_keys_that_are_read_after_each_insert()
    {
        using var storage = Create<int>(maxItems: 11);
        for (int i = 0; i < 100; i++)
        {
            storage.Set(i.ToString(), i);
            for (int j = 0; j <= i; j += 10)
            {
                Assert.True(storage.TryGet(j.ToString(), out int value), $"key {j} after inserting {i}");
                Assert.Equal(j, value);
            }
        }

        Assert.Equal(11, storage.Count);
        foreach (int j in Enumerable.Range(0, 10).Select(x => x * 10))
        {
            Assert.True(storage.ContainsKey(j.ToString()));
        }
    }

    [Fact]
    public void Default_ttl_applies()
    {
        using var storage = Create<string>(defaultTtl: TimeSpan.FromSeconds(10));
        storage.Set("k", "v");
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(storage.TryGet("k", out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(storage.TryGet("k", out _));
    }

    [Fact]
    public void Per_item_ttl_wins_over_the_default()
    {
        using var storage = Create<string>(defaultTtl: TimeSpan.FromSeconds(10));
        storage.Set("short", "v", TimeSpan.FromSeconds(2));
        storage.Set("long", "v", TimeSpan.FromSeconds(60));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(storage.TryGet("short", out _));
        Assert.True(storage.TryGet("long", out _));
    }

    [Fact]
    public void Infinite_ttl_outlives_the_default()
    {
        using var storage = Create<string>(defaultTtl: TimeSpan.FromSeconds(10));
        storage.Set("forever", "v", Timeout.InfiniteTimeSpan);
        storage.Set("default", "v");
        _time.Advance(TimeSpan.FromDays(40));
        Assert.True(storage.TryGet("forever", out _));
        Assert.False(storage.TryGet("default", out _));
    }

    [Fact]
    public void An_expired_key_misses_and_is_removed_on_read_even_before_the_reclaim_reaches_it()
    {
        // No timer tick can run between the set and the read: the sub-second TTL expires inside one
        // reclaim interval, so it is the read itself that must notice and remove the entry.
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions { ExpirationScanFrequency = TimeSpan.FromHours(1) }, _time);
        storage.Set("k", "v", TimeSpan.FromMilliseconds(300));
        storage.Set("other", "v");
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(2, storage.Count);

        Assert.False(storage.TryGet("k", out _));
        Assert.Equal(1, storage.Count);
        Assert.Equal(1, storage.GetStatistics().Expirations);
    }

    [Fact]
    public void Background_reclaim_removes_expired_entries_without_any_read()
    {
        using var storage = Create<string>();
        for (int i = 0; i < 100; i++)
        {
            storage.Set($"short{i}", "v", TimeSpan.FromSeconds(5));
        }

        storage.Set("long", "v", TimeSpan.FromHours(1));
        Assert.Equal(101, storage.Count);

        _time.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(1, storage.Count);
        Assert.Equal(100, storage.GetStatistics().Expirations);
        Assert.True(storage.TryGet("long", out _));
    }

    [Fact]
    public void Remove_returns_true_then_false()
    {
        using var storage = Create<string>();
        storage.Set("k", "v");
        Assert.True(storage.Remove("k"));
        Assert.False(storage.Remove("k"));
        Assert.False(storage.TryGet("k", out _));
        Assert.Equal(0, storage.Count);
    }

    [Fact]
    public void Clear_on_empty_storage_is_fine_and_after_clear_every_key_misses_and_sets_work()
    {
        using var storage = Create<string>(maxItems: 10);
        storage.Clear();
        for (int i = 0; i < 5; i++)
        {
            storage.Set($"k{i}", "v");
        }

        storage.Clear();
        Assert.Equal(0, storage.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.False(storage.TryGet($"k{i}", out _));
        }

        storage.Set("k0", "new");
        Assert.True(storage.TryGet("k0", out string? value));
        Assert.Equal("new", value);
        Assert.Equal(5, storage.GetStatistics().ClearedEntries);
    }

    [Fact]
    public void Null_values_round_trip_as_hits()
    {
        using var storage = Create<string?>();
        storage.Set("k", null);
        Assert.True(storage.TryGet("k", out string? value));
        Assert.Null(value);
        Assert.True(storage.ContainsKey("k"));
    }

    [Fact]
    public void Dispose_twice_is_fine_and_later_calls_throw()
    {
        var storage = Create<string>();
        storage.Set("k", "v");
        storage.Dispose();
        storage.Dispose();

        Assert.Throws<ObjectDisposedException>(() => storage.Set("k", "v"));
        Assert.Throws<ObjectDisposedException>(() => storage.TryGet("k", out _));
        Assert.Throws<ObjectDisposedException>(() => storage.GetOrAdd("k", _ => "v"));
        Assert.Throws<ObjectDisposedException>(() => storage.Remove("k"));
        Assert.Throws<ObjectDisposedException>(() => storage.ContainsKey("k"));
        Assert.Throws<ObjectDisposedException>(() => storage.Clear());
        Assert.Throws<ObjectDisposedException>(() => storage.Count);
        Assert.Throws<ObjectDisposedException>(() => storage.GetStatistics());
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(1_000_000_000L)]
    [InlineData(5_000_000_000_000L)]
    [InlineData(1_000_000_000_000_000_000L)] // 2.5 s is still a long's worth
    public void A_time_provider_of_any_frequency_expires_entries_on_time(long ticksPerSecond)
    {
        // A provider's own units: above about 4e12 a second the timer wheel's coarser levels used to overflow at creation.
        var time = new ManualClock(ticksPerSecond);
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions(), time);
        storage.Set("short", "v", TimeSpan.FromSeconds(2));
        storage.Set("kept", "v");

        time.Timestamp += ticksPerSecond; // one second
        Assert.True(storage.TryGet("short", out _));
        time.Timestamp += ticksPerSecond + (ticksPerSecond / 2); // 2.5 s: expired, and reclaimed by the next write
        Assert.False(storage.TryGet("short", out _));
        storage.Set("other", "v");
        Assert.Equal(2, storage.Count);
        Assert.True(storage.ContainsKey("kept"));
    }

    /// <summary>A clock of a chosen frequency, starting at zero, moved by hand.</summary>
    private sealed class ManualClock(long ticksPerSecond) : TimeProvider
    {
        public long Timestamp { get; set; }

        public override long TimestampFrequency => ticksPerSecond;

        public override long GetTimestamp() => Timestamp;
    }
}
