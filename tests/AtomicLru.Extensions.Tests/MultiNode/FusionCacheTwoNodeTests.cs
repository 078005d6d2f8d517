using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru.Extensions.Tests.Redis;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace AtomicLru.Extensions.Tests.MultiNode;

/// <summary>
/// Two instances, each with FusionCache over AtomicLru's <see cref="IMemoryCache"/> as its memory level, sharing one
/// real Redis as distributed cache and backplane. Unlike HybridCache, a change on one node reaches the other's memory
/// level through the backplane, within milliseconds on loopback. FusionCache reads the system clock, so these tests
/// use real time; they wait for messages and factories, never for an expiry.
/// </summary>
public sealed class FusionCacheTwoNodeTests(RedisServer server, ITestOutputHelper output) : IClassFixture<RedisServer>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly string _prefix = RedisServer.NewPrefix();
    private ServiceProvider? _a;
    private ServiceProvider? _b;

    private IFusionCache A => (_a ??= Node(withRedis: true)).GetRequiredService<IFusionCache>();

    private IFusionCache B => (_b ??= Node(withRedis: true)).GetRequiredService<IFusionCache>();

    private ServiceProvider Node(bool withRedis)
    {
        var services = new ServiceCollection();
        services.AddAtomicLruMemoryCache(o => o.SizeLimitInBytes = 1024 * 1024);
        IFusionCacheBuilder builder = services.AddFusionCache()
            .WithOptions(o => o.BackplaneChannelPrefix = _prefix)
            .WithRegisteredMemoryCache()
            .WithDefaultEntryOptions(o => o.Duration = TimeSpan.FromMinutes(10));
        if (withRedis)
        {
            builder
                .WithSerializer(new FusionCacheSystemTextJsonSerializer())
                .WithDistributedCache(new RedisCache(new RedisCacheOptions { Configuration = server.Configuration, InstanceName = _prefix }))
                .WithBackplane(new RedisBackplane(new RedisBackplaneOptions { Configuration = server.Configuration }));
        }

        return services.BuildServiceProvider();
    }

    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
    }

    private static AtomicLruMemoryCache L1(ServiceProvider node) => Assert.IsType<AtomicLruMemoryCache>(node.GetRequiredService<IMemoryCache>());

    /// <summary>Both nodes listen on the backplane: B has received a message A sent after both started.</summary>
    private async Task BothListening()
    {
        using var received = new SemaphoreSlim(0);
        void OnReceived(object? sender, EventArgs e) => received.Release();
        B.Events.Backplane.MessageReceived += OnReceived;
        try
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; watch.Elapsed < Patience; i++)
            {
                await A.SetAsync("probe", i);
                if (await received.WaitAsync(TimeSpan.FromMilliseconds(200)))
                {
                    return;
                }
            }

            Assert.Fail("B's backplane received nothing from A within 10 s.");
        }
        finally
        {
            B.Events.Backplane.MessageReceived -= OnReceived;
        }
    }

    /// <summary>Reads on B until it returns <paramref name="expected"/>; how long that took.</summary>
    private async Task<TimeSpan> UntilBReads(string key, string? expected, Stopwatch since)
    {
        while (await B.GetOrDefaultAsync<string>(key) != expected)
        {
            Assert.True(since.Elapsed < Patience, $"B did not read '{expected}' for '{key}' within 10 s.");
            await Task.Yield();
        }

        return since.Elapsed;
    }

    [Fact]
    public async Task An_update_on_A_evicts_Bs_memory_entry_and_B_then_reads_the_new_value()
    {
        await A.SetAsync("k", "v1");
        Assert.Equal("v1", await B.GetOrDefaultAsync<string>("k")); // from Redis, now in B's L1
        await BothListening();
        Assert.Equal("v1", await B.GetOrDefaultAsync<string>("k"));

        var watch = Stopwatch.StartNew();
        await A.SetAsync("k", "v2");
        TimeSpan stale = await UntilBReads("k", "v2", watch);
        output.WriteLine($"B served the old value for {stale.TotalMilliseconds:F1} ms after A's SetAsync returned.");
        Assert.True(L1(_b!).TryGetValue("k", out _)); // B's memory level holds the new value
    }

    [Fact]
    public async Task A_remove_on_A_evicts_Bs_memory_entry()
    {
        await A.SetAsync("k", "v1");
        Assert.Equal("v1", await B.GetOrDefaultAsync<string>("k"));
        await BothListening();

        var watch = Stopwatch.StartNew();
        await A.RemoveAsync("k");
        TimeSpan stale = await UntilBReads("k", null, watch);
        output.WriteLine($"B served the removed value for {stale.TotalMilliseconds:F1} ms after A's RemoveAsync returned.");
    }

    [Fact]
    public void Fail_safe_serves_the_last_value_from_our_memory_cache_when_the_factory_fails()
    {
        using ServiceProvider node = Node(withRedis: false);
        IFusionCache cache = node.GetRequiredService<IFusionCache>();
        var failSafe = new FusionCacheEntryOptions { Duration = TimeSpan.FromMinutes(10), IsFailSafeEnabled = true, FailSafeMaxDuration = TimeSpan.FromHours(1) };
        Assert.Equal("v1", cache.GetOrSet<string>("k", _ => "v1", failSafe));
        cache.Expire("k", failSafe); // logically expired, kept for fail-safe in our memory cache
        Assert.True(L1(node).TryGetValue("k", out _));

        Assert.Equal("v1", cache.GetOrSet<string>("k", _ => throw new InvalidOperationException("database down"), failSafe));
        Assert.Equal("v2", cache.GetOrSet<string>("other", _ => "v2", failSafe));
        Assert.True(L1(node).TryGetValue("other", out _));
    }

    [Fact]
    public async Task A_factory_soft_timeout_serves_the_stale_value_and_the_slow_factory_lands_in_our_memory_cache_later()
    {
        using ServiceProvider node = Node(withRedis: false);
        IFusionCache cache = node.GetRequiredService<IFusionCache>();
        var options = new FusionCacheEntryOptions
        {
            Duration = TimeSpan.FromMinutes(10),
            IsFailSafeEnabled = true,
            FailSafeMaxDuration = TimeSpan.FromHours(1),
            FactorySoftTimeout = TimeSpan.FromMilliseconds(100),
        };
        Assert.Equal("v1", await cache.GetOrSetAsync<string>("k", (_, _) => Task.FromResult("v1"), options));
        await cache.ExpireAsync("k", options);

        var slow = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Equal("v1", await cache.GetOrSetAsync<string>("k", (_, _) => slow.Task, options)); // after the soft timeout
        slow.SetResult("v2");

        var watch = Stopwatch.StartNew();
        while (await cache.GetOrDefaultAsync<string>("k") != "v2")
        {
            Assert.True(watch.Elapsed < Patience, "the timed-out factory's value never landed");
            await Task.Yield();
        }

        Assert.True(L1(node).TryGetValue("k", out _));
    }
}
