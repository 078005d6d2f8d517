using System;
using System.Globalization;
using AtomicLru;
using AtomicLru.Extensions;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// How much managed memory a full cache holds against its configured limit, side by side in one process:
/// AtomicLru charges key and bookkeeping, MemoryDistributedCache counts only <c>value.Length</c>.
/// </summary>
internal static class MemoryFootprint
{
    private const long Limit = 32L * 1024 * 1024;

    public static void Run()
    {
        Console.WriteLine($"Managed heap held by a full cache with a {Limit / (1024 * 1024)} MiB limit ({Environment.ProcessorCount} cores, .NET {Environment.Version})");
        Console.WriteLine();
        Console.WriteLine("| value size | cache | entries | heap held | held / limit |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (int size in new[] { 16, 1024, 64 * 1024 })
        {
            Measure(size, "AtomicLruDistributedCache", () =>
            {
                var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = Limit });
                return (new AtomicLruDistributedCache(cache), () => cache.Count);
            });
            Measure(size, "MemoryDistributedCache", () =>
            {
                var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { SizeLimit = Limit }));
                return (cache, () => -1);
            });
        }
    }

    private static void Measure(int valueSize, string name, Func<(IDistributedCache Cache, Func<int> Count)> create)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        (IDistributedCache cache, Func<int> count) = create();
        var options = new DistributedCacheEntryOptions();
        long inserted = 0;
        while (inserted * (valueSize + 200) < 2 * Limit)
        {
            cache.Set("key:" + inserted.ToString(CultureInfo.InvariantCulture), new byte[valueSize], options);
            inserted++;
        }

        // MemoryCache compacts in the background when over its limit: give it a moment to finish.
        System.Threading.Thread.Sleep(500);
        long held = GC.GetTotalMemory(forceFullCollection: true) - before;
        int entries = count();
        if (entries < 0)
        {
            entries = 0;
            for (long i = 0; i < inserted; i++)
            {
                if (cache.Get("key:" + i.ToString(CultureInfo.InvariantCulture)) is not null)
                {
                    entries++;
                }
            }
        }

        Console.WriteLine($"| {valueSize:N0} B | {name} | {entries:N0} | {held / (1024.0 * 1024):N1} MiB | {(double)held / Limit:P0} |");
        GC.KeepAlive(cache);
        (cache as IDisposable)?.Dispose();
    }
}
