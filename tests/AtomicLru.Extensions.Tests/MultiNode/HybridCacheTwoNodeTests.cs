using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru.Extensions.Tests.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AtomicLru.Extensions.Tests.MultiNode;

/// <summary>
/// Two instances of a service, each with its own container (AtomicLru's <see cref="IMemoryCache"/> as HybridCache's L1),
/// sharing one real Redis as L2. HybridCache has no backplane: an instance's L1 keeps what it holds until the local
/// expiration, which the shared <see cref="FakeTimeProvider"/> plays (HybridCache and AtomicLru both take it from the
/// container; Redis's own TTLs are hours, so L2 never expires during a test).
/// </summary>
public sealed class HybridCacheTwoNodeTests(RedisServer server) : IClassFixture<RedisServer>, IDisposable
{
    private static readonly TimeSpan LocalExpiration = TimeSpan.FromMinutes(1);
    private readonly string _prefix = RedisServer.NewPrefix();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private ServiceProvider? _a;
    private ServiceProvider? _b;

    private ServiceProvider A => _a ??= Node();

    private ServiceProvider B => _b ??= Node();

    private ServiceProvider Node(long l1Bytes = 1024 * 1024)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddAtomicLruMemoryCache(o => o.SizeLimitInBytes = l1Bytes);
        services.AddStackExchangeRedisCache(o =>
        {
            o.Configuration = server.Configuration;
            o.InstanceName = _prefix;
        });
        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions
        {
            Expiration = TimeSpan.FromHours(1),
            LocalCacheExpiration = LocalExpiration,
        });
        return services.BuildServiceProvider();
    }

    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
    }

    private static HybridCache Hybrid(IServiceProvider node) => node.GetRequiredService<HybridCache>();

    private static AtomicLruMemoryCache L1(IServiceProvider node) => Assert.IsType<AtomicLruMemoryCache>(node.GetRequiredService<IMemoryCache>());

    private IDatabase Redis => server.Connection.GetDatabase();

    /// <summary>Reads through HybridCache with a factory that counts its runs and produces <paramref name="produces"/>.</summary>
    private static async Task<string> Read(IServiceProvider node, string key, StrongBox<int> runs, string produces = "from the factory")
        => await Hybrid(node).GetOrCreateAsync(key, ct =>
        {
            Interlocked.Increment(ref runs.Value);
            return ValueTask.FromResult(produces);
        });

    [Fact]
    public async Task A_value_created_on_A_is_read_on_B_from_Redis_without_Bs_factory_then_from_Bs_L1()
    {
        var runsA = new StrongBox<int>();
        var runsB = new StrongBox<int>();
        Assert.Equal("v1", await Read(A, "k", runsA, produces: "v1"));
        Assert.Equal(1, runsA.Value);
        await server.UntilStoredAsync(_prefix + "k");

        Assert.Equal("v1", await Read(B, "k", runsB));
        Assert.Equal(0, runsB.Value);
        Assert.Equal(1, L1(B).Count);

        Assert.True(await Redis.KeyDeleteAsync(_prefix + "k")); // from now on only B's L1 has it
        Assert.Equal("v1", await Read(B, "k", runsB));
        Assert.Equal(0, runsB.Value);
    }

    [Fact]
    public async Task A_remove_on_A_is_seen_on_B_after_Bs_local_expiration_and_not_before()
    {
        var runs = new StrongBox<int>();
        Assert.Equal("v1", await Read(A, "k", runs, produces: "v1"));
        await server.UntilStoredAsync(_prefix + "k");
        Assert.Equal("v1", await Read(B, "k", runs));

        await Hybrid(A).RemoveAsync("k");
        Assert.False(await Redis.KeyExistsAsync(_prefix + "k"));
        Assert.Equal("fresh", await Read(A, "k", runs, produces: "fresh")); // A itself sees the removal at once
        await server.UntilStoredAsync(_prefix + "k");
        Assert.True(await Redis.KeyDeleteAsync(_prefix + "k")); // and B must not learn "fresh" from Redis

        _time.Advance(LocalExpiration - TimeSpan.FromTicks(1));
        Assert.Equal("v1", await Read(B, "k", runs, produces: "B's own")); // stale in B's L1, as HybridCache defines it
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("B's own", await Read(B, "k", runs, produces: "B's own"));
    }

    [Fact]
    public async Task An_overwrite_on_A_is_seen_on_B_after_Bs_local_expiration_and_not_before()
    {
        var runs = new StrongBox<int>();
        Assert.Equal("v1", await Read(A, "k", runs, produces: "v1"));
        await server.UntilStoredAsync(_prefix + "k");
        Assert.Equal("v1", await Read(B, "k", runs));

        await Hybrid(A).SetAsync("k", "v2");
        Assert.Equal("v2", await Read(A, "k", runs));

        _time.Advance(LocalExpiration - TimeSpan.FromTicks(1));
        Assert.Equal("v1", await Read(B, "k", runs));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("v2", await Read(B, "k", runs)); // from Redis: no factory ran on B
        Assert.Equal(1, runs.Value);
    }

    [Fact]
    public async Task The_L1_byte_limit_holds_with_the_sizes_HybridCache_gives()
    {
        const long limit = 64 * 1024;
        _a = Node(l1Bytes: limit);
        string value = new('x', 1000);
        for (int i = 0; i < 200; i++)
        {
            await Hybrid(A).SetAsync($"item:{i}", value + i);
        }

        MemoryCacheStatistics statistics = L1(A).GetCurrentStatistics()!;
        long held = statistics.CurrentEstimatedSize!.Value;
        Assert.InRange(held, limit / 2, limit);
        Assert.InRange(statistics.CurrentEntryCount, 1, limit / 1000);
        Assert.True(held / statistics.CurrentEntryCount >= 1000, $"{held} bytes for {statistics.CurrentEntryCount} entries"); // HybridCache's Size: at least the payload
        var runs = new StrongBox<int>();
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(value + i, await Read(A, $"item:{i}", runs)); // evicted from L1, still in Redis
        }

        Assert.Equal(0, runs.Value);
    }

    /// <summary>
    /// What HybridCache 10.11 does with tags across nodes: the removing node invalidates at once; it writes the tag's
    /// invalidation time to L2, which a node reading the entry from L2 for the first time honours; a node that already
    /// read the entry under that tag goes on serving it, even from L2 after its local expiration.
    /// </summary>
    [Fact]
    public async Task RemoveByTag_on_A_invalidates_on_A_and_on_nodes_new_to_the_tag_but_not_on_B_which_read_it()
    {
        var runs = new StrongBox<int>();
        string[] tags = ["catalog"];
        Assert.Equal("v1", await Hybrid(A).GetOrCreateAsync("k", ct => ValueTask.FromResult("v1"), tags: tags));
        await server.UntilStoredAsync(_prefix + "k");
        Assert.Equal("v1", await Read(B, "k", runs));

        await Hybrid(A).RemoveByTagAsync("catalog");
        Assert.True(await Redis.KeyExistsAsync(_prefix + "k")); // the entry stays in Redis; the tag's time goes beside it
        Assert.True(await Redis.KeyExistsAsync(_prefix + "__MSFT_HCT__catalog"));

        Assert.Equal("v1", await Read(B, "k", runs));
        _time.Advance(LocalExpiration);
        Assert.Equal("v1", await Read(B, "k", runs)); // from Redis, and still served
        Assert.Equal(0, runs.Value);

        using ServiceProvider c = Node();
        Assert.Equal("C's own", await Read(c, "k", runs, produces: "C's own"));
        Assert.Equal(1, runs.Value);

        // A dropped its own copy: it takes C's newer one from Redis, or runs its own factory if C's write to Redis
        // (which HybridCache does without waiting) has not landed yet; never the invalidated "v1".
        string onA = await Read(A, "k", runs, produces: "A's own");
        Assert.Contains(onA, new[] { "C's own", "A's own" });
        Assert.Equal(onA == "A's own" ? 2 : 1, runs.Value);
    }
}
