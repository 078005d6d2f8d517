using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using AtomicLru.Benchmarks.SideBySide;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace AtomicLru.Benchmarks.MultiNode;

/// <summary>
/// AtomicLru as HybridCache's L1 over a real Redis, against <c>MemoryCache</c> given the same byte budget; then how
/// long a second instance serves a stale value after the first one's update, under HybridCache and under FusionCache
/// with its Redis backplane. <c>build/bench.sh multinode</c> starts the Redis and passes its address.
/// </summary>
internal static class MultiNodeBench
{
    private const int KeySpace = 1_000_000;
    private const int WarmUp = 100_000;
    private const int Measured = 200_000;
    private const long L1Budget = 16L * 1024 * 1024;
    private const int ValueChars = 200;

    internal static async Task RunAsync(string redis)
    {
        Report.Line($"## Multi-node: AtomicLru as HybridCache's L1 over Redis (Zipf s = 0.9 over {KeySpace:N0} keys, {Measured:N0} requests after {WarmUp:N0} of warm-up, L1 budget {L1Budget / (1024 * 1024)} MB, {ValueChars}-character values)");
        Report.Line();
        Report.Line("Each L1 starts cold over its own key prefix in one `redis-server` on loopback, one request at a time; both L1s are charged HybridCache's `Size` (the payload's bytes). `MemoryCache` gets the budget as `SizeLimit`. Round trips are counted by a decorator on the L2. Memory is the managed heap the whole stack (L1, HybridCache, Redis client) held at the end of its run: the heap with it, less the heap once it is disposed, collected and finalized. (The process's working set is not comparable here: one process runs every candidate, and the runtime keeps pages it once used.)");
        Report.Line();
        Report.Line("| L1 | L1 hit ratio | Redis round trips per 1,000 requests | factory runs per 1,000 | p50 µs | p99 µs | managed heap held, MB |");
        Report.Line("|---|---|---|---|---|---|---|");
        int[] keys = Zipf.Sample(0.9, KeySpace, WarmUp + Measured, seed: 42);
        foreach ((string name, Action<IServiceCollection> addL1, HybridCacheEntryFlags flags) in new (string, Action<IServiceCollection>, HybridCacheEntryFlags)[]
        {
            ("AtomicLru", s => s.AddAtomicLruMemoryCache(o => o.SizeLimitInBytes = L1Budget), HybridCacheEntryFlags.None),
            ("MemoryCache", s => s.AddMemoryCache(o => { o.SizeLimit = L1Budget; o.TrackStatistics = true; }), HybridCacheEntryFlags.None),
            ("none (Redis only)", s => s.AddMemoryCache(o => o.TrackStatistics = true), HybridCacheEntryFlags.DisableLocalCache),
        })
        {
            await ThroughHybridCache(name, addL1, flags, redis, keys);
        }

        Report.Line();
        await Staleness(redis);
    }

    private static async Task ThroughHybridCache(string name, Action<IServiceCollection> addL1, HybridCacheEntryFlags flags, string redis, int[] keys)
    {
        var services = new ServiceCollection();
        addL1(services);
        using var redisCache = new RedisCache(Options.Create(new RedisCacheOptions { Configuration = redis, InstanceName = $"bench-{Guid.NewGuid():N}:" }));
        var l2 = new CountingDistributedCache(redisCache);
        services.AddSingleton<IDistributedCache>(l2);
        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1), Flags = flags });
        ServiceProvider provider = services.BuildServiceProvider();
        HybridCache cache = provider.GetRequiredService<HybridCache>();
        string padding = new('v', ValueChars - 8);
        long factoryRuns = 0;

        for (int i = 0; i < WarmUp; i++)
        {
            await cache.GetOrCreateAsync(Key(keys[i]), ct => { factoryRuns++; return ValueTask.FromResult(padding); });
        }

        long callsBefore = l2.Calls;
        long runsBefore = factoryRuns;
        MemoryCacheStatistics? statsBefore = provider.GetRequiredService<IMemoryCache>().GetCurrentStatistics();
        var latencies = new double[Measured];
        for (int i = 0; i < Measured; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await cache.GetOrCreateAsync(Key(keys[WarmUp + i]), ct => { factoryRuns++; return ValueTask.FromResult(padding); });
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        long l2Calls = l2.Calls - callsBefore;
        long runs = factoryRuns - runsBefore;
        // An L1 hit costs no round trip; a miss costs at least one (the L2 read). Hit ratio from the L1's own counters
        // where it keeps them (both do when tracking statistics), else from the round trips.
        MemoryCacheStatistics? statsAfter = provider.GetRequiredService<IMemoryCache>().GetCurrentStatistics();
        double hitRatio = statsBefore is not null && statsAfter is not null
            ? (double)(statsAfter.TotalHits - statsBefore.TotalHits) / Measured
            : double.NaN;
        Array.Sort(latencies);

        // What the stack held: the heap with it, less the heap once it is disposed and collected.
        long heapWith = SettledHeap();
        GC.KeepAlive(cache);
        await provider.DisposeAsync();
        cache = null!;
        provider = null!; // a disposed provider still holds its singletons, and MemoryCache keeps its entries when disposed
        long heapHeld = heapWith - SettledHeap();
        Report.Line($"| {name} | {Report.F(100 * hitRatio, 1)} % | {Report.F(1000.0 * l2Calls / Measured, 0)} | {Report.F(1000.0 * runs / Measured, 0)} | {Report.F(latencies[Measured / 2], 1)} | {Report.F(latencies[(int)(Measured * 0.99)], 0)} | {Report.F(heapHeld / (1024.0 * 1024), 1)} |");
    }

    /// <summary>The managed heap once collected, finalizers run (MemoryCache has one), and collected again.</summary>
    private static long SettledHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string Key(int index) => "item:" + index;

    private static async Task Staleness(string redis)
    {
        const int Updates = 100;
        TimeSpan local = TimeSpan.FromSeconds(1);
        Report.Line($"## Multi-node: how long instance B serves the old value after instance A's update ({Updates} updates, AtomicLru as both L1s, Redis on loopback)");
        Report.Line();
        Report.Line("| stack | median, ms | worst, ms | what bounds it |");
        Report.Line("|---|---|---|---|");

        string prefix = $"stale-{Guid.NewGuid():N}:";
        await using (ServiceProvider a = HybridNode(redis, prefix, local))
        await using (ServiceProvider b = HybridNode(redis, prefix, local))
        {
            HybridCache ca = a.GetRequiredService<HybridCache>(), cb = b.GetRequiredService<HybridCache>();
            for (int k = 0; k < Updates; k++)
            {
                await ca.SetAsync($"k{k}", "old");
                await cb.GetOrCreateAsync($"k{k}", _ => ValueTask.FromResult("missing"));
            }

            // B's copies were read at spread-out moments within the last instants; A now updates every key at once.
            var updatedAt = new long[Updates];
            for (int k = 0; k < Updates; k++)
            {
                await ca.SetAsync($"k{k}", "new");
                updatedAt[k] = Stopwatch.GetTimestamp();
            }

            double[] stale = await UntilSeen(k => cb.GetOrCreateAsync($"k{k}", _ => ValueTask.FromResult("missing")), updatedAt);
            Report.Line($"| HybridCache, LocalCacheExpiration {local.TotalSeconds:F0} s | {Report.F(Report.Median(stale), 1)} | {Report.F(stale.Max(), 1)} | B's local expiration: no backplane |");
        }

        prefix = $"stale-{Guid.NewGuid():N}:";
        await using (ServiceProvider a = FusionNode(redis, prefix))
        await using (ServiceProvider b = FusionNode(redis, prefix))
        {
            IFusionCache ca = a.GetRequiredService<IFusionCache>(), cb = b.GetRequiredService<IFusionCache>();
            await ca.SetAsync("warm", 0);
            await Task.Delay(500); // lets both backplanes subscribe before the first measured message
            var stale = new List<double>();
            for (int k = 0; k < Updates; k++)
            {
                await ca.SetAsync($"k{k}", "old");
                await cb.GetOrDefaultAsync<string>($"k{k}");
                long updated = Stopwatch.GetTimestamp();
                await ca.SetAsync($"k{k}", "new");
                double[] one = await UntilSeen(_ => cb.GetOrDefaultAsync<string>($"k{k}")!, [updated]);
                stale.Add(one[0]);
            }

            Report.Line($"| FusionCache + Redis backplane | {Report.F(Report.Median(stale), 1)} | {Report.F(stale.Max(), 1)} | one Redis pub/sub message (time counted from before A's SetAsync) |");
        }

        Report.Line();
    }

    private static async Task<double[]> UntilSeen(Func<int, ValueTask<string>> read, long[] updatedAt)
    {
        var seen = new double[updatedAt.Length];
        var pending = Enumerable.Range(0, updatedAt.Length).ToHashSet();
        var deadline = Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            foreach (int k in pending.ToArray())
            {
                if (await read(k) == "new")
                {
                    seen[k] = Stopwatch.GetElapsedTime(updatedAt[k]).TotalMilliseconds;
                    pending.Remove(k);
                }
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{pending.Count} updates never reached B.");
            }
        }

        return seen;
    }

    private static ServiceProvider HybridNode(string redis, string prefix, TimeSpan local)
    {
        var services = new ServiceCollection();
        services.AddAtomicLruMemoryCache(o => o.SizeLimitInBytes = L1Budget);
        services.AddStackExchangeRedisCache(o => { o.Configuration = redis; o.InstanceName = prefix; });
        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = local });
        return services.BuildServiceProvider();
    }

    private static ServiceProvider FusionNode(string redis, string prefix)
    {
        var services = new ServiceCollection();
        services.AddAtomicLruMemoryCache(o => o.SizeLimitInBytes = L1Budget);
        services.AddFusionCache()
            .WithOptions(o => o.BackplaneChannelPrefix = prefix)
            .WithRegisteredMemoryCache()
            .WithSerializer(new FusionCacheSystemTextJsonSerializer(new System.Text.Json.JsonSerializerOptions { IncludeFields = true }))
            .WithDistributedCache(new RedisCache(Options.Create(new RedisCacheOptions { Configuration = redis, InstanceName = prefix })))
            .WithBackplane(new RedisBackplane(new RedisBackplaneOptions { Configuration = redis }))
            .WithDefaultEntryOptions(o => o.Duration = TimeSpan.FromMinutes(10));
        return services.BuildServiceProvider();
    }
}
