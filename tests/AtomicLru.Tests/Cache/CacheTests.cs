using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Text;
using AtomicLru;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>What AtomicLruCache promises one call at a time: copies back, byte limits, TTLs, serializers and their failures.</summary>
public sealed class CacheTests
{
    public sealed record User(string Name, int Age, List<string> Tags);

    private readonly FakeTimeProvider _time = new();

    private AtomicLruCache Create(long? sizeLimit = null, int? maxItems = null, IAtomicLruSerializer? serializer = null, TimeSpan? defaultTtl = null)
        => new(new AtomicLruOptions { SizeLimitInBytes = sizeLimit, MaxItems = maxItems, DefaultTtl = defaultTtl }, serializer, _time);

    private static void AssertRoundTrip<T>(AtomicLruCache cache, T value)
    {
        cache.Set("k", value);
        Assert.True(cache.TryGet("k", out T? back));
        Assert.Equal(value, back);
    }

    [Fact]
    public void Values_of_every_kind_round_trip()
    {
        using var cache = Create();
        AssertRoundTrip(cache, "hello");
        AssertRoundTrip(cache, "");
        AssertRoundTrip(cache, "ünïcødé ✓");
        AssertRoundTrip(cache, 42);
        AssertRoundTrip(cache, 0);
        AssertRoundTrip(cache, -1.5);
        AssertRoundTrip(cache, false);
        AssertRoundTrip(cache, true);
        AssertRoundTrip(cache, 12345678901234L);
        AssertRoundTrip(cache, new List<int> { 1, 2, 3 });
        AssertRoundTrip(cache, new List<int>());
        AssertRoundTrip(cache, new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 });
        AssertRoundTrip(cache, new Dictionary<string, int>());
        AssertRoundTrip(cache, new byte[] { 1, 2, 3 });
        AssertRoundTrip(cache, new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

        var user = new User("Alice", 30, ["admin"]);
        cache.Set("user:123", user);
        Assert.True(cache.TryGet("user:123", out User? back));
        Assert.NotNull(back);
        Assert.NotSame(user, back); // a serialized cache gives copies
        Assert.Equal(user.Name, back.Name);
        Assert.Equal(user.Tags, back.Tags);
    }

    [Fact]
    public void Null_round_trips_as_a_hit_and_differs_from_empty()
    {
        using var cache = Create();
        cache.Set<string?>("null", null);
        cache.Set("empty", "");
        cache.Set<User?>("user", null);
        cache.Set<int?>("number", null);

        Assert.True(cache.TryGet("null", out string? a));
        Assert.Null(a);
        Assert.True(cache.TryGet("empty", out string? b));
        Assert.Equal("", b);
        Assert.True(cache.TryGet("user", out User? c));
        Assert.Null(c);
        Assert.True(cache.TryGet("number", out int? d));
        Assert.Null(d);

        // A stored null cannot be read as a non-nullable value type.
        var error = Assert.Throws<AtomicLruSerializationException>(() => cache.TryGet("null", out int _));
        Assert.Equal(typeof(int), error.ValueType);
    }

    [Fact]
    public void Strings_are_stored_as_plain_utf8_and_bytes_as_themselves()
    {
        using var cache = Create();
        cache.Set("s", "héllo");
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(cache.TryGetBytes("s", writer));
        Assert.Equal(Encoding.UTF8.GetBytes("héllo"), writer.WrittenSpan.ToArray());

        cache.SetBytes("b", Encoding.UTF8.GetBytes("from bytes"));
        Assert.True(cache.TryGet("b", out string? text));
        Assert.Equal("from bytes", text);

        cache.SetBytes("empty", ReadOnlySpan<byte>.Empty);
        Assert.True(cache.TryGet("empty", out string? empty));
        Assert.Equal("", empty);
        Assert.False(cache.TryGetBytes("missing", writer));
    }

    private sealed class ReversingSerializer : IAtomicLruSerializer
    {
        public int Calls { get; private set; }

        public void Serialize<T>(T value, IBufferWriter<byte> destination)
        {
            Calls++;
            byte[] bytes = Encoding.UTF8.GetBytes(value!.ToString()!);
            Array.Reverse(bytes);
            destination.Write(bytes);
        }

        public T Deserialize<T>(ReadOnlySequence<byte> source)
        {
            Calls++;
            byte[] bytes = source.ToArray();
            Array.Reverse(bytes);
            return (T)Convert.ChangeType(Encoding.UTF8.GetString(bytes), typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public void A_custom_serializer_is_used_both_ways()
    {
        var serializer = new ReversingSerializer();
        using var cache = Create(serializer: serializer);
        cache.Set("k", 12345);
        var writer = new ArrayBufferWriter<byte>();
        cache.TryGetBytes("k", writer);
        Assert.Equal("54321", Encoding.UTF8.GetString(writer.WrittenSpan));
        Assert.True(cache.TryGet("k", out int value));
        Assert.Equal(12345, value);
        Assert.Equal(2, serializer.Calls);
    }

    private sealed class Unserializable
    {
        public int Boom => throw new InvalidOperationException("cannot serialize me");
    }

    [Fact]
    public void A_serialization_error_names_key_and_type_and_leaves_the_cache_unchanged()
    {
        using var cache = Create(maxItems: 2);
        cache.Set("k", "old");
        cache.Set("other", "x");

        var error = Assert.Throws<AtomicLruSerializationException>(() => cache.Set("k", new Unserializable()));
        Assert.Equal("k", error.Key);
        Assert.Equal(typeof(Unserializable), error.ValueType);
        Assert.True(error.IsSerializing);
        Assert.Contains("'k'", error.Message);
        Assert.Contains(nameof(Unserializable), error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);

        Assert.True(cache.TryGet("k", out string? value));
        Assert.Equal("old", value);
        Assert.True(cache.ContainsKey("other"));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void A_deserialization_error_names_key_and_type_and_keeps_the_entry()
    {
        using var cache = Create();
        cache.Set("k", "not json for a record");
        var error = Assert.Throws<AtomicLruSerializationException>(() => cache.TryGet("k", out User? _));
        Assert.Equal("k", error.Key);
        Assert.Equal(typeof(User), error.ValueType);
        Assert.False(error.IsSerializing);
        Assert.NotNull(error.InnerException);
        Assert.True(cache.TryGet("k", out string? text));
        Assert.Equal("not json for a record", text);
    }

    [Fact]
    public void Max_items_three_evicts_the_least_recently_used()
    {
        using var cache = Create(maxItems: 3);
        cache.Set("k1", 1);
        cache.Set("k2", 2);
        cache.Set("k3", 3);
        Assert.True(cache.TryGet("k1", out int _));
        cache.Set("k4", 4);
        Assert.False(cache.ContainsKey("k2"));
        Assert.True(cache.ContainsKey("k1") && cache.ContainsKey("k3") && cache.ContainsKey("k4"));
    }

    [Fact]
    public void Size_limit_8192_keeps_ten_small_values_and_refuses_a_10000_byte_value()
    {
        using var cache = Create(sizeLimit: 8192);
        for (int i = 0; i < 10; i++)
        {
            cache.Set($"key{i}", $"value {i}");
        }

        Assert.Equal(10, cache.Count);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(cache.ContainsKey($"key{i}"));
        }

        cache.Set("big", new string('x', 10_000));
        Assert.False(cache.ContainsKey("big"));
        Assert.Equal(10, cache.Count);
        Assert.Equal(1, cache.GetStatistics().OversizedRejections);
        Assert.True(cache.SizeInBytes <= 8192);
    }

    [Fact]
    public void An_oversized_value_removes_the_older_value_under_its_key()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 100_000, MaxItemSizeInBytes = 2_000 }, null, _time);
        cache.Set("k", "small");
        cache.Set("keep", "other");
        cache.Set("k", new string('x', 5_000));

        Assert.False(cache.ContainsKey("k")); // a stale value is worse than a miss
        Assert.True(cache.ContainsKey("keep"));
        AtomicLruStatistics stats = cache.GetStatistics();
        Assert.Equal(1, stats.OversizedRejections);
        Assert.Equal(1, stats.Replacements);
        Assert.Equal(1, stats.Count);
    }

    [Fact]
    public void Overwrites_with_bigger_and_smaller_values_keep_count_one_and_size_exact()
    {
        using var cache = Create(sizeLimit: 1_000_000);
        foreach (int length in new[] { 10, 5_000, 3, 70_000, 0, 1 })
        {
            cache.SetBytes("k", new byte[length]);
            Assert.Equal(1, cache.Count);
            Assert.Equal(EntrySize.Of("k", length, Timeout.InfiniteTimeSpan), cache.SizeInBytes);
        }
    }

    [Fact]
    public void Clear_brings_the_size_back_to_zero()
    {
        using var cache = Create(sizeLimit: 1_000_000);
        Assert.Equal(0, cache.SizeInBytes);
        for (int i = 0; i < 100; i++)
        {
            cache.Set($"k{i}", new string('v', i));
        }

        Assert.True(cache.SizeInBytes > 0);
        cache.Clear();
        Assert.Equal(0, cache.SizeInBytes);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Size_counts_payload_key_and_bookkeeping()
    {
        using var cache = Create(sizeLimit: 1_000_000);
        cache.SetBytes("a-key", new byte[100]);
        // 100 payload bytes in a 128-byte array, a 5-character key in a 32-byte string, node and table share.
        Assert.Equal(128 + 32 + EntrySize.NodeBytes + EntrySize.IndexBytes, cache.SizeInBytes);
    }

    [Fact]
    public void Making_room_evicts_the_least_recently_used_and_never_the_new_entry()
    {
        using var cache = Create(sizeLimit: 8192);
        long perEntry = EntrySize.Of("k0", 1000, Timeout.InfiniteTimeSpan);
        int fits = (int)(8192 / perEntry);
        for (int i = 0; i < fits; i++)
        {
            cache.SetBytes($"k{i}", new byte[1000]);
        }

        Assert.Equal(fits, cache.Count);
        Assert.True(cache.TryGetBytes("k0", new ArrayBufferWriter<byte>())); // k0 becomes most recent
        cache.SetBytes("new", new byte[1000]);
        Assert.True(cache.ContainsKey("new"));
        Assert.True(cache.ContainsKey("k0"));
        Assert.False(cache.ContainsKey("k1"));
        Assert.True(cache.SizeInBytes <= 8192);
    }

    [Fact]
    public void Expired_entries_are_reclaimed_and_their_bytes_returned()
    {
        using var cache = Create(sizeLimit: 100_000, defaultTtl: TimeSpan.FromSeconds(10));
        cache.Set("a", "x");
        cache.Set("b", "y", System.Threading.Timeout.InfiniteTimeSpan);
        long sizeOfB = EntrySize.Of("b", 1, Timeout.InfiniteTimeSpan);
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, cache.Count);
        Assert.Equal(sizeOfB, cache.SizeInBytes);
    }

    [Fact]
    public void GetOrAdd_runs_the_factory_once_and_the_leader_gets_its_own_instance()
    {
        using var cache = Create();
        var user = new User("Bob", 40, []);
        User first = cache.GetOrAdd("u", _ => user);
        User second = cache.GetOrAdd<User>("u", _ => throw new InvalidOperationException("cached"));
        Assert.Same(user, first);
        Assert.NotSame(user, second);
        Assert.Equal("Bob", second.Name);
    }

    [Fact]
    public void Bad_input_throws_at_the_call_and_loses_nothing()
    {
        using var cache = Create();
        cache.Set("k", "v");
        Assert.Throws<ArgumentNullException>(() => cache.Set(null!, "v"));
        Assert.Throws<ArgumentNullException>(() => cache.TryGet<string>(null!, out _));
        Assert.Throws<ArgumentNullException>(() => cache.SetBytes(null!, default));
        Assert.Throws<ArgumentNullException>(() => cache.TryGetBytes("k", null!));
        Assert.Throws<ArgumentNullException>(() => cache.GetOrAdd<string>("k", null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Set("k", "new", TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 8192, MaxItemSizeInBytes = 9000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtomicLruCache(new AtomicLruOptions { MaxItemSizeInBytes = 0 }));
        Assert.True(cache.TryGet("k", out string? value));
        Assert.Equal("v", value);
    }

    [Fact]
    public async Task Async_get_or_add_checks_its_arguments_at_the_call_and_shares_one_factory_run()
    {
        using var cache = Create();
        // Thrown by the call itself, before any task exists.
        Assert.Throws<ArgumentNullException>(() => { _ = cache.GetOrAddAsync<int>(null!, (_, _) => ValueTask.FromResult(1)).AsTask(); });
        Assert.Throws<ArgumentNullException>(() => { _ = cache.GetOrAddAsync<int>("k", null!).AsTask(); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = cache.GetOrAddAsync("k", (_, _) => ValueTask.FromResult(1), TimeSpan.Zero).AsTask(); });

        int runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<User>[] callers = Enumerable.Range(0, 16).Select(_ => cache.GetOrAddAsync("u", async (k, ct) =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            return new User(k, 1, []);
        }).AsTask()).ToArray();
        gate.SetResult();
        User[] users = await Task.WhenAll(callers);
        Assert.Equal(1, runs);
        Assert.All(users, u => Assert.Equal("u", u.Name));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Dispose_twice_is_fine_and_later_calls_throw()
    {
        var cache = Create();
        cache.Dispose();
        cache.Dispose();
        Assert.Throws<ObjectDisposedException>(() => cache.Set("k", 1));
        Assert.Throws<ObjectDisposedException>(() => cache.TryGet("k", out int _));
        Assert.Throws<ObjectDisposedException>(() => cache.SizeInBytes);
        Assert.Throws<ObjectDisposedException>(() => cache.Count);
    }

    private static Task<User> LoadUserAsync(int id, CancellationToken cancellationToken)
        => Task.FromResult(new User("user " + id, id, ["loaded"]));

    [Fact]
    public async Task GetOrAddAsync_takes_a_Task_returning_loader_and_an_async_lambda_still_binds_to_the_ValueTask_overload()
    {
        using var cache = Create();
        int runs = 0;
        User loaded = await cache.GetOrAddAsync("user:7", (key, ct) => { runs++; return LoadUserAsync(7, ct); });
        User again = await cache.GetOrAddAsync("user:7", async (key, ct) =>
        {
            await Task.Yield();
            runs++;
            return new User("never", 0, []);
        });
        IAtomicLruCache asInterface = cache;
        User third = await asInterface.GetOrAddAsync("user:7", (key, ct) => LoadUserAsync(8, ct));

        Assert.Equal(1, runs);
        Assert.Equal("user 7", loaded.Name);
        Assert.Equal(loaded.Name, again.Name);
        Assert.Equal(loaded.Name, third.Name);
        Assert.Throws<ArgumentNullException>(() => { _ = cache.GetOrAddAsync("k", (Func<string, CancellationToken, Task<int>>)null!).AsTask(); });
        Assert.Throws<ArgumentNullException>(() => { _ = cache.GetOrAddAsync<int>(null!, (_, _) => Task.FromResult(1)).AsTask(); });
    }

    [Fact]
    public void Statistics_print_their_figures()
    {
        using var cache = Create();
        cache.Set("a", 1);
        _ = cache.TryGet("a", out int _);
        _ = cache.TryGet("b", out int _);

        string text = cache.GetStatistics().ToString();

        Assert.StartsWith("Hits=1 Misses=1 HitRatio=50.0% Count=1 SizeInBytes=", text, StringComparison.Ordinal);
        Assert.EndsWith("CapacityEvictions=0 Expirations=0 Removals=0 Replacements=0 ClearedEntries=0 OversizedRejections=0", text, StringComparison.Ordinal);
    }
}
