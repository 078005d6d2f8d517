using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using AtomicLru.Extensions.Tests.Redis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// The clock-free contract against Microsoft's <see cref="RedisCache"/> on a real server, and where Redis differs from
/// the in-memory caches, a test that says so by name. Redis keeps time on the server, and <see cref="RedisCache"/> reads
/// the system clock, so expiry is checked by the TTL the server holds: time passing is played by shortening that TTL
/// on the server, never by waiting.
/// </summary>
public sealed class RedisCacheContractTests(RedisServer server) : DistributedCacheContractTests, IClassFixture<RedisServer>, IDisposable
{
    private readonly string _prefix = RedisServer.NewPrefix();
    private readonly List<RedisCache> _created = [];

    private IDatabase Server => server.Connection.GetDatabase();

    protected override IDistributedCache Create()
    {
        var cache = new RedisCache(Options.Create(new RedisCacheOptions { Configuration = server.Configuration, InstanceName = _prefix }));
        _created.Add(cache);
        return cache;
    }

    public void Dispose()
    {
        foreach (RedisCache cache in _created)
        {
            cache.Dispose();
        }
    }

    private TimeSpan? ServerTtl(string key) => Server.KeyTimeToLive(_prefix + key);

    /// <summary>Plays time passing on the server: the entry now has <paramref name="left"/> before it expires.</summary>
    private void ServerTimeLeft(string key, TimeSpan left) => Assert.True(Server.KeyExpire(_prefix + key, left));

    private static void AssertAbout(TimeSpan expected, TimeSpan? actual)
    {
        Assert.NotNull(actual);
        Assert.InRange(actual.Value, expected - TimeSpan.FromSeconds(10), expected);
    }

    [Fact]
    public void Redis_holds_an_entry_without_expiration_with_no_server_TTL()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v");
        Assert.Null(ServerTtl("k"));
        Assert.Equal("v", cache.GetString("k"));
    }

    [Fact]
    public void Redis_turns_a_relative_expiration_into_a_server_TTL_and_the_entry_is_gone_when_it_runs_out()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) });
        AssertAbout(TimeSpan.FromMinutes(5), ServerTtl("k"));
        Assert.Equal("v", cache.GetString("k"));

        ServerTimeLeft("k", TimeSpan.FromMilliseconds(-1)); // the TTL runs out: Redis deletes the key
        Assert.Null(cache.GetString("k"));
    }

    [Fact]
    public void Redis_turns_an_absolute_expiration_into_a_server_TTL()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddMinutes(5) });
        AssertAbout(TimeSpan.FromMinutes(5), ServerTtl("k"));
    }

    [Theory]
    [InlineData(3, 10)]
    [InlineData(10, 3)]
    public void Redis_takes_the_relative_expiration_over_the_absolute_one_where_the_in_memory_caches_take_the_earlier(int relativeMinutes, int absoluteMinutes)
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(relativeMinutes),
            AbsoluteExpiration = DateTimeOffset.UtcNow.AddMinutes(absoluteMinutes),
        });
        AssertAbout(TimeSpan.FromMinutes(relativeMinutes), ServerTtl("k"));
    }

    [Fact]
    public async Task Redis_renews_a_sliding_server_TTL_on_get_and_on_refresh()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        AssertAbout(TimeSpan.FromMinutes(10), ServerTtl("k"));

        ServerTimeLeft("k", TimeSpan.FromMinutes(1));
        Assert.Equal("v", cache.GetString("k"));
        AssertAbout(TimeSpan.FromMinutes(10), ServerTtl("k"));

        ServerTimeLeft("k", TimeSpan.FromMinutes(1));
        cache.Refresh("k");
        AssertAbout(TimeSpan.FromMinutes(10), ServerTtl("k"));

        ServerTimeLeft("k", TimeSpan.FromMinutes(1));
        await cache.RefreshAsync("k");
        AssertAbout(TimeSpan.FromMinutes(10), ServerTtl("k"));
        cache.Refresh("missing"); // no-op, as in memory
    }

    [Fact]
    public void Redis_caps_a_sliding_server_TTL_at_the_absolute_expiration()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "v", new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromMinutes(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(4),
        });
        AssertAbout(TimeSpan.FromMinutes(4), ServerTtl("k"));
        Assert.Equal("v", cache.GetString("k"));
        AssertAbout(TimeSpan.FromMinutes(4), ServerTtl("k")); // renewing does not pass the absolute expiration
    }

    [Fact]
    public void Redis_refuses_an_absolute_expiration_already_past_and_keeps_the_older_value_where_the_in_memory_caches_remove_it()
    {
        IDistributedCache cache = Create();
        cache.SetString("k", "old");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            cache.SetString("k", "new", new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddSeconds(-1) }));
        Assert.Contains("must be in the future", error.Message, StringComparison.Ordinal);
        Assert.Equal("old", cache.GetString("k"));
    }
}
