using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// Rows of the hostile-inputs table in docs/testing.md for <see cref="AtomicLruStorage{T}"/> and
/// <see cref="AtomicLruCache"/>: what each entry point does with extreme keys, TTLs, re-entrant serializers and
/// factories, and Dispose racing it; every test ends by checking the engine's invariants.
/// </summary>
public sealed class HostileInputTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void The_empty_key_is_a_key_like_any_other()
    {
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions(), _time);
        storage.Set("", "empty");
        storage.Set(" ", "space");
        Assert.True(storage.TryGet("", out string? value));
        Assert.Equal("empty", value);
        Assert.True(storage.Remove(""));
        Assert.True(storage.ContainsKey(" "));
        storage.Engine.CheckInvariants();
    }

    [Fact]
    public void A_one_megabyte_key_is_stored_by_storage_and_charged_by_the_cache_which_refuses_it_when_over_the_item_limit()
    {
        string huge = new('k', 1 << 20);
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions(), _time);
        storage.Set(huge, 1);
        Assert.True(storage.TryGet(new string('k', 1 << 20), out int value)); // another instance of the same key
        Assert.Equal(1, value);

        using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 1 << 20 }, timeProvider: _time);
        cache.Set(huge, 1); // the key alone is 2 MiB of UTF-16: over the 512 KiB per-item maximum
        Assert.False(cache.ContainsKey(huge));
        Assert.Equal(1, cache.GetStatistics().OversizedRejections);
        Assert.Equal(0, cache.SizeInBytes);
        cache.Engine.CheckInvariants();
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)] // TimeSpan.MinValue
    public async Task A_TTL_of_zero_or_below_throws_naming_ttl_on_every_entry_point_and_the_old_value_stays(long ticks)
    {
        var ttl = new TimeSpan(ticks);
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions(), _time);
        storage.Set("k", 1);
        Assert.Equal("ttl", Assert.Throws<ArgumentOutOfRangeException>(() => storage.Set("k", 2, ttl)).ParamName);
        Assert.Equal("ttl", Assert.Throws<ArgumentOutOfRangeException>(() => storage.GetOrAdd("k", _ => 2, ttl)).ParamName);
        Assert.Equal("ttl", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await storage.GetOrAddAsync("k", (_, _) => ValueTask.FromResult(2), ttl))).ParamName);
        Assert.True(storage.TryGet("k", out int value));
        Assert.Equal(1, value);

        using var cache = new AtomicLruCache(new AtomicLruOptions(), timeProvider: _time);
        cache.Set("k", 1);
        Assert.Equal("ttl", Assert.Throws<ArgumentOutOfRangeException>(() => cache.Set("k", 2, ttl)).ParamName);
        Assert.Equal("ttl", Assert.Throws<ArgumentOutOfRangeException>(() => cache.SetBytes("k", [2], ttl)).ParamName);
        Assert.Equal(1, cache.GetOrAdd("k", _ => 3));
        cache.Engine.CheckInvariants();
    }

    [Fact]
    public void TimeSpan_MaxValue_as_a_TTL_means_never_and_one_tick_expires_after_one_tick()
    {
        // A reclaim timer a day apart: the fake clock runs every tick of a timer it jumps over.
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions { ExpirationScanFrequency = TimeSpan.FromDays(1) }, _time);
        storage.Set("forever", 1, TimeSpan.MaxValue);
        storage.Set("tick", 2, TimeSpan.FromTicks(1));
        Assert.True(storage.ContainsKey("tick"));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(storage.ContainsKey("tick"));
        _time.Advance(TimeSpan.FromDays(365 * 100));
        Assert.True(storage.TryGet("forever", out int value));
        Assert.Equal(1, value);
        storage.Engine.CheckInvariants();
    }

    [Fact]
    public void A_factory_that_returns_null_stores_null_as_a_hit()
    {
        using var storage = new AtomicLruStorage<string?>(new AtomicLruOptions(), _time);
        Assert.Null(storage.GetOrAdd("k", _ => null));
        Assert.True(storage.TryGet("k", out string? value));
        Assert.Null(value);
        Assert.Null(storage.GetOrAdd("k", _ => "not called"));
    }

    /// <summary>A serializer that writes to the cache it serializes for, as a careless one might (a cache of its own schemas).</summary>
    private sealed class ReentrantSerializer : IAtomicLruSerializer
    {
        internal AtomicLruCache? Cache { get; set; }

        public void Serialize<T>(T value, IBufferWriter<byte> destination)
        {
            Cache?.SetBytes("written-by-serializer", [1, 2, 3]);
            destination.Write(BitConverter.GetBytes((int)(object)value!));
        }

        public T Deserialize<T>(ReadOnlySequence<byte> source)
        {
            _ = Cache?.ContainsKey("written-by-serializer");
            return (T)(object)BitConverter.ToInt32(source.ToArray());
        }
    }

    [Fact]
    public async Task A_serializer_that_calls_back_into_the_cache_works_and_deadlocks_nothing()
    {
        var serializer = new ReentrantSerializer();
        using var cache = new AtomicLruCache(new AtomicLruOptions(), serializer, _time);
        serializer.Cache = cache;
        Task work = Task.Run(() =>
        {
            cache.Set("k", 42);
            Assert.True(cache.TryGet("k", out int value));
            Assert.Equal(42, value);
            Assert.Equal(7, cache.GetOrAdd("other", _ => 7));
        });
        await work.WaitAsync(TimeSpan.FromSeconds(30)); // a TimeoutException here means the re-entrant serializer deadlocked the cache
        Assert.True(cache.ContainsKey("written-by-serializer"));
        cache.Engine.CheckInvariants();
    }

    public enum Operation
    {
        Set,
        TryGet,
        GetOrAdd,
        GetOrAddAsync,
        Remove,
        ContainsKey,
        Clear,
        Count,
        GetStatistics,
    }

    [Theory]
    [InlineData(Operation.Set)]
    [InlineData(Operation.TryGet)]
    [InlineData(Operation.GetOrAdd)]
    [InlineData(Operation.GetOrAddAsync)]
    [InlineData(Operation.Remove)]
    [InlineData(Operation.ContainsKey)]
    [InlineData(Operation.Clear)]
    [InlineData(Operation.Count)]
    [InlineData(Operation.GetStatistics)]
    public void Dispose_racing_an_operation_leaves_it_done_or_refused_and_the_storage_empty(Operation operation)
    {
        for (int round = 0; round < 300; round++)
        {
            var storage = new AtomicLruStorage<int>(new AtomicLruOptions { MaxItems = 8 }, _time);
            storage.Set("k", 1);
            Threads.RaceWithDispose(storage.Dispose, i => Run(storage, operation, "k" + (i % 10)));
            Assert.Equal(0, storage.Engine.Count);
            Assert.Throws<ObjectDisposedException>(() => storage.Set("k", 2));
        }
    }

    private static void Run(AtomicLruStorage<int> storage, Operation operation, string key)
    {
        switch (operation)
        {
            case Operation.Set: storage.Set(key, 1); break;
            case Operation.TryGet: storage.TryGet(key, out _); break;
            case Operation.GetOrAdd: storage.GetOrAdd(key, _ => 1); break;
            case Operation.GetOrAddAsync: storage.GetOrAddAsync(key, (_, _) => ValueTask.FromResult(1)).AsTask().GetAwaiter().GetResult(); break;
            case Operation.Remove: storage.Remove(key); break;
            case Operation.ContainsKey: storage.ContainsKey(key); break;
            case Operation.Clear: storage.Clear(); break;
            case Operation.Count: _ = storage.Count; break;
            default: storage.GetStatistics(); break;
        }
    }
}
