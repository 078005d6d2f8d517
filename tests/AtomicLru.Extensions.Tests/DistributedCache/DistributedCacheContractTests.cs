using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Extensions;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// The <see cref="IDistributedCache"/> contract that needs no clock, written once and run against the reference
/// <see cref="MemoryDistributedCache"/>, against <see cref="AtomicLruDistributedCache"/> and against Redis
/// (<c>RedisCacheContractTests</c>): the same expectations for all three.
/// </summary>
public abstract class DistributedCacheContractTests
{
    protected abstract IDistributedCache Create();

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Get_of_a_missing_key_is_null()
    {
        Assert.Null(Create().Get("missing"));
    }

    [Fact]
    public void Set_then_get_returns_the_bytes_and_overwrite_replaces_them()
    {
        IDistributedCache cache = Create();
        cache.Set("k", Bytes("one"), new DistributedCacheEntryOptions());
        Assert.Equal(Bytes("one"), cache.Get("k"));
        cache.Set("k", Bytes("two!"), new DistributedCacheEntryOptions());
        Assert.Equal(Bytes("two!"), cache.Get("k"));
        cache.Set("empty", [], new DistributedCacheEntryOptions());
        Assert.Equal(Array.Empty<byte>(), cache.Get("empty"));
    }

    [Fact]
    public async Task String_extensions_round_trip_sync_and_async()
    {
        IDistributedCache cache = Create();
        cache.SetString("s", "héllo");
        Assert.Equal("héllo", cache.GetString("s"));
        await cache.SetStringAsync("a", "async value");
        Assert.Equal("async value", await cache.GetStringAsync("a"));
        await cache.SetAsync("b", Bytes("bytes"));
        Assert.Equal(Bytes("bytes"), await cache.GetAsync("b"));
    }

    [Fact]
    public async Task Remove_removes_and_removing_a_missing_key_is_fine()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v");
        cache.Remove("k");
        Assert.Null(cache.Get("k"));
        cache.Remove("never-there");
        cache.SetString("k2", "v");
        await cache.RemoveAsync("k2");
        Assert.Null(await cache.GetAsync("k2"));
    }

    [Fact]
    public async Task Null_arguments_throw()
    {
        IDistributedCache cache = Create();
        var options = new DistributedCacheEntryOptions();
        Assert.Throws<ArgumentNullException>(() => cache.Get(null!));
        Assert.Throws<ArgumentNullException>(() => cache.Set(null!, [], options));
        Assert.Throws<ArgumentNullException>(() => cache.Set("k", null!, options));
        Assert.Throws<ArgumentNullException>(() => cache.Set("k", [], null!));
        Assert.Throws<ArgumentNullException>(() => cache.Refresh(null!));
        Assert.Throws<ArgumentNullException>(() => cache.Remove(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.GetAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync(null!, [], options));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync("k", null!, options));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync("k", [], null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.RefreshAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.RemoveAsync(null!));
    }
}

/// <summary>
/// The expiry half of the contract, for the caches that take their time from a <see cref="FakeTimeProvider"/>.
/// Redis keeps time on the server, so its expiry is checked by the TTL the server holds (see <c>RedisCacheContractTests</c>).
/// </summary>
public abstract class ClockedDistributedCacheContractTests : DistributedCacheContractTests
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Without_expiration_an_entry_stays()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v");
        Time.Advance(TimeSpan.FromDays(30));
        Assert.Equal("v", cache.GetString("k"));
    }

    [Fact]
    public void Relative_expiration_expires_the_entry()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) });
        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("v", cache.GetString("k"));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(cache.GetString("k"));
    }

    [Fact]
    public void Absolute_expiration_expires_the_entry()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions { AbsoluteExpiration = Time.GetUtcNow().AddMinutes(5) });
        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("v", cache.GetString("k"));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(cache.GetString("k"));
    }

    [Theory]
    [InlineData(3, 10)] // relative earlier
    [InlineData(10, 3)] // absolute earlier
    public void With_relative_and_absolute_expiration_the_earlier_wins(int relativeMinutes, int absoluteMinutes)
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(relativeMinutes),
            AbsoluteExpiration = Time.GetUtcNow().AddMinutes(absoluteMinutes),
        });
        int earlier = Math.Min(relativeMinutes, absoluteMinutes);
        Time.Advance(TimeSpan.FromMinutes(earlier) - TimeSpan.FromSeconds(1));
        Assert.Equal("v", cache.GetString("k"));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(cache.GetString("k"));
    }

    [Fact]
    public void Sliding_expiration_is_renewed_by_get()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        for (int i = 0; i < 6; i++)
        {
            Time.Advance(TimeSpan.FromMinutes(9));
            Assert.Equal("v", cache.GetString("k"));
        }

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(cache.GetString("k"));
    }

    [Fact]
    public async Task Sliding_expiration_is_renewed_by_refresh()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        Time.Advance(TimeSpan.FromMinutes(9));
        cache.Refresh("k");
        Time.Advance(TimeSpan.FromMinutes(9));
        await cache.RefreshAsync("k");
        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("v", cache.GetString("k"));
        cache.Refresh("missing"); // no-op
    }

    [Fact]
    public void Sliding_expiration_never_extends_past_the_absolute_one()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromMinutes(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(25),
        });
        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("v", cache.GetString("k"));
        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("v", cache.GetString("k"));
        Time.Advance(TimeSpan.FromMinutes(6)); // 24 minutes
        Assert.Equal("v", cache.GetString("k"));
        Time.Advance(TimeSpan.FromMinutes(1)); // 25: the absolute expiration, though the window is open
        Assert.Null(cache.GetString("k"));
    }

    [Fact]
    public void An_absolute_expiration_already_past_stores_nothing_and_removes_the_older_value()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "old");
        cache.SetString("k", "new", new DistributedCacheEntryOptions { AbsoluteExpiration = Time.GetUtcNow().AddSeconds(-1) });
        Assert.Null(cache.GetString("k"));
    }
}

public sealed class MemoryDistributedCacheContractTests : ClockedDistributedCacheContractTests
{
    protected override IDistributedCache Create()
#pragma warning disable CS0618 // MemoryCacheOptions.Clock is obsolete, and still the only way to give it a clock
        => new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new TimeProviderClock(Time) }));
#pragma warning restore CS0618
}

/// <summary>The same contract under Window TinyLFU.</summary>
public sealed class AtomicLruTinyLfuDistributedCacheContractTests : ClockedDistributedCacheContractTests
{
    protected override IDistributedCache Create()
        => new AtomicLruDistributedCache(new AtomicLruCache(
            new AtomicLruOptions { SizeLimitInBytes = 1024 * 1024, EvictionPolicy = AtomicLruEvictionPolicy.TinyLfu }, timeProvider: Time));
}

public sealed class AtomicLruDistributedCacheContractTests : ClockedDistributedCacheContractTests
{
    protected override IDistributedCache Create()
        => new AtomicLruDistributedCache(new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 1024 * 1024 }, timeProvider: Time));

    [Fact]
    public async Task Async_methods_honour_a_cancelled_token_and_change_nothing_where_MemoryDistributedCache_ignores_some_tokens()
    {
        IDistributedCache cache = Create();
        var buffers = (IBufferDistributedCache)cache;
        cache.SetString("k", "v");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetAsync("k", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SetAsync("k", Bytes("other"), new DistributedCacheEntryOptions(), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RemoveAsync("k", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RefreshAsync("k", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => buffers.TryGetAsync("k", new System.Buffers.ArrayBufferWriter<byte>(), cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => buffers.SetAsync("k", new System.Buffers.ReadOnlySequence<byte>(Bytes("other")), new DistributedCacheEntryOptions(), cancelled.Token).AsTask());
        Assert.Equal("v", cache.GetString("k"));
    }
}
