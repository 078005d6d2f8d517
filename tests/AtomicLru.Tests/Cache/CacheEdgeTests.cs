using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// AtomicLruCache at its edges: null arguments on every member, a stored null read as a value type,
/// GetOrAdd's hits, cancelled tokens and flights that find the key stored or removed meanwhile, and the per-thread
/// serialization buffer.
/// </summary>
public sealed class CacheEdgeTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Every_member_refuses_a_null_key_naming_it_and_loses_nothing()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions());
        cache.Set("k", "v");
        bool ran = false;

        AssertNullKey(() => cache.Set(null!, "v"));
        AssertNullKey(() => cache.TryGet<string>(null!, out _));
        AssertNullKey(() => cache.GetOrAdd(null!, _ => { ran = true; return "v"; }));
        AssertNullKey(() => { _ = cache.GetOrAddAsync(null!, (_, _) => { ran = true; return ValueTask.FromResult("v"); }).AsTask(); });
        AssertNullKey(() => cache.SetBytes(null!, [1]));
        AssertNullKey(() => cache.TryGetBytes(null!, new ArrayBufferWriter<byte>()));
        AssertNullKey(() => cache.Remove(null!));
        AssertNullKey(() => cache.ContainsKey(null!));

        Assert.False(ran);
        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet("k", out string? value));
        Assert.Equal("v", value);

        static void AssertNullKey(Action call) => Assert.Equal("key", Assert.Throws<ArgumentNullException>(call).ParamName);
    }

    [Fact]
    public void Null_options_are_refused_by_name()
        => Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new AtomicLruCache(null!)).ParamName);

    [Fact]
    public void A_stored_null_read_as_a_value_type_is_a_deserialization_error_that_says_so()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions());
        cache.Set<string?>("k", null);

        var error = Assert.Throws<AtomicLruSerializationException>(() => cache.TryGet<int>("k", out _));
        Assert.False(error.IsSerializing);
        Assert.Equal("k", error.Key);
        Assert.Equal(typeof(int), error.ValueType);
        var cast = Assert.IsType<InvalidCastException>(error.InnerException);
        Assert.Contains("null", cast.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(int).ToString(), cast.Message, StringComparison.Ordinal);

        // Read as a type that admits null, it is null; and the entry is still there.
        Assert.True(cache.TryGet("k", out int? nullable));
        Assert.Null(nullable);
    }

    [Fact]
    public async Task GetOrAddAsync_with_a_cancelled_token_is_cancelled_for_a_key_held_or_not_and_runs_no_factory()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        cache.Set("held", 1);
        bool ran = false;
        Func<string, CancellationToken, ValueTask<int>> factory = (_, _) =>
        {
            ran = true;
            return ValueTask.FromResult(2);
        };

        ValueTask<int> absent = cache.GetOrAddAsync("absent", factory, cancellationToken: cancelled.Token);
        ValueTask<int> held = cache.GetOrAddAsync("held", factory, cancellationToken: cancelled.Token);

        Assert.True(absent.IsCanceled); // at once: no flight was started
        Assert.True(held.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => absent.AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held.AsTask());
        Assert.False(ran);
        Assert.False(cache.ContainsKey("absent"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_GetOrAdd_hit_allocates_no_more_than_a_TryGet_hit(bool asynchronous)
    {
        // A hit deserializes, as TryGet does, and nothing else: no flight, no per-call state.
        using var cache = new AtomicLruCache(new AtomicLruOptions());
        cache.Set("k", 42);
        Func<string, int> factory = static _ => 0;
        Func<string, CancellationToken, ValueTask<int>> asyncFactory = static (_, _) => ValueTask.FromResult(0);
        Assert.Equal(42, await GetOrAdd());
        Assert.True(cache.TryGet("k", out int _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Assert.True(cache.TryGet("k", out int _));
        }

        long tryGets = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 100; i++)
        {
            sum += await GetOrAdd(); // completed at once: no suspension
        }

        long getOrAdds = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(4200, sum);
        Assert.True(getOrAdds <= tryGets, $"100 GetOrAdd hits allocated {getOrAdds} bytes, 100 TryGet hits {tryGets}");

        ValueTask<int> GetOrAdd() => asynchronous ? cache.GetOrAddAsync("k", asyncFactory) : new(cache.GetOrAdd("k", factory));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_flight_that_finds_the_key_stored_since_its_miss_returns_that_value_and_runs_no_factory(bool asynchronous)
    {
        // The caller's first lookup finds the key expired (the reclaim timer, once a day, has not run): the removal's
        // listener runs on the caller's thread, before the flight starts, and another writer stores the key there. The
        // flight then finds it: no factory runs.
        AtomicLruCache? cache = null;
        var listener = new PayloadListener((key, reason) =>
        {
            if (key == "k" && reason == RemovalReason.Expired)
            {
                cache!.Set("k", "stored meanwhile");
            }
        });
        using var created = new AtomicLruCache(new AtomicLruOptions { ExpirationScanFrequency = TimeSpan.FromDays(1) }, serializer: null, _time, listener);
        cache = created;
        cache.Set("k", "old", TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(2));
        bool ran = false;

        string value = asynchronous
            ? await cache.GetOrAddAsync("k", (_, _) => { ran = true; return ValueTask.FromResult("factory"); })
            : cache.GetOrAdd("k", _ => { ran = true; return "factory"; });

        Assert.Equal("stored meanwhile", value);
        Assert.False(ran);
        Assert.True(cache.TryGet("k", out string? held));
        Assert.Equal("stored meanwhile", held);
    }

    [Fact]
    public async Task A_caller_that_comes_while_the_factory_runs_shares_its_failure_and_runs_no_factory_of_its_own()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions());
        await GetOrAddScenarios.A_caller_that_comes_while_the_factory_runs_shares_its_failure(Face(cache));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_caller_that_comes_after_a_value_just_stored_was_removed_does_not_get_it(bool asynchronous)
        => GetOrAddScenarios.A_caller_after_a_just_stored_value_was_removed_does_not_get_it(onRemoved =>
        {
            var cache = new AtomicLruCache(new AtomicLruOptions { MaxItems = 1 }, serializer: null, _time, new PayloadListener((key, _) => onRemoved(key)));
            return (Face(cache), cache);
        }, asynchronous);

    private static GetOrAddFace<string> Face(AtomicLruCache cache) => new(
        (key, factory) => cache.GetOrAdd(key, factory),
        (key, factory) => cache.GetOrAddAsync(key, factory).AsTask(),
        (key, value) => cache.Set(key, value),
        cache.Remove,
        key => cache.TryGet(key, out string? value) ? value : null,
        name => name,
        value => value);

    [Fact]
    public void Small_values_reuse_the_threads_serialization_buffer_and_large_ones_do_not_keep_it()
    {
        // The serializer writes a byte at a time, so the buffer doubles from 256 bytes as it fills: sizes known exactly.
        using var cache = new AtomicLruCache(new AtomicLruOptions(), new BytewiseSerializer());
        byte[] small = new byte[16];
        cache.Set("small", small);
        long smallSet = AllocatedBy(() => cache.Set("small", small));

        // A buffer grown to exactly 64 KiB is still kept: the next small set allocates no buffer.
        cache.Set("large", new byte[64 * 1024]);
        Assert.Equal(smallSet, AllocatedBy(() => cache.Set("small", small)));

        // One grown past it is dropped, so the thread does not hold it: the next small set makes a new one, and keeps it.
        cache.Set("large", new byte[(64 * 1024) + 1]);
        Assert.InRange(AllocatedBy(() => cache.Set("small", small)), smallSet + 256, smallSet + 1024);
        Assert.Equal(smallSet, AllocatedBy(() => cache.Set("small", small)));

        static long AllocatedBy(Action set)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            set();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
    }

    private sealed class PayloadListener(Action<string, RemovalReason> onRemoved) : IRemovalListener<string, byte[]>
    {
        public void OnRemoved(string key, byte[] value, long size, RemovalReason reason) => onRemoved(key, reason);
    }

    private sealed class BytewiseSerializer : IAtomicLruSerializer
    {
        public void Serialize<T>(T value, IBufferWriter<byte> destination)
        {
            foreach (byte b in (byte[])(object)value!)
            {
                destination.GetSpan(1)[0] = b;
                destination.Advance(1);
            }
        }

        public T Deserialize<T>(ReadOnlySequence<byte> payload) => (T)(object)payload.ToArray();
    }
}
