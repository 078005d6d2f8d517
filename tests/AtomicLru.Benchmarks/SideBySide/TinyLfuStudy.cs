using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Scheduler;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// The study behind the Window TinyLFU window's size (docs/decisions/0014-window-tinylfu.md): hit ratio on every trace
/// and Zipf capacity of the <see cref="TinyLfuModel"/> with a fixed 1 % window and with hill climbing, beside
/// Bélády, exact LRU, BitFaster ConcurrentLfu (maintenance in the foreground, so every access counts) and MemoryCache.
/// </summary>
internal static class TinyLfuStudy
{
    public static void Run(string? tracesDirectory)
    {
        string directory = tracesDirectory ?? Path.Combine(AppContext.BaseDirectory, "Traces");
        Report.Line("## Window TinyLFU window size: hit ratio (%), single-threaded model");
        Report.Line();
        Report.Line("| trace | capacity | Bélády | exact LRU | W-TinyLFU 1 % | W-TinyLFU adaptive | BitFaster ConcurrentLfu | MemoryCache |");
        Report.Line("|---|---|---|---|---|---|---|---|");
        var rows = new List<(string Trace, int[] Keys, int Capacity)>();
        foreach (string path in Directory.GetFiles(directory, "*.trace.gz").OrderBy(p => p, StringComparer.Ordinal))
        {
            int[] trace = HitRatio.Read(path);
            int distinct = trace.Distinct().Count();
            foreach (double share in new[] { 0.1, 0.25, 0.5 })
            {
                rows.Add((Path.GetFileName(path).Replace(".trace.gz", "", StringComparison.Ordinal), trace, Math.Max(3, (int)(distinct * share))));
            }
        }

        int[] zipf = Zipf.Sample(0.9, 1_000_000, 2_000_000, seed: 5);
        foreach (int capacity in new[] { 1_000, 10_000, 100_000 })
        {
            rows.Add(("zipf 0.9", zipf, capacity));
        }

        double fixedSum = 0, adaptiveSum = 0;
        foreach ((string name, int[] trace, int capacity) in rows)
        {
            double fixedShare = Model(trace, capacity, adaptive: false);
            double adaptive = Model(trace, capacity, adaptive: true);
            fixedSum += fixedShare;
            adaptiveSum += adaptive;
            Report.Line(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {capacity:N0} | {HitRatio.Belady(trace, capacity):F2} | {HitRatio.ExactLru(trace, capacity):F2} | {fixedShare:F2} | {adaptive:F2} | {Lfu(trace, capacity):F2} | {HitRatio.MemoryCacheRatio(trace, capacity):F2} |"));
        }

        Report.Line();
        Report.Line(string.Create(CultureInfo.InvariantCulture, $"Mean over the rows: fixed 1 % {fixedSum / rows.Count:F2}, adaptive {adaptiveSum / rows.Count:F2}."));
        Report.Line();
    }

    private static double Model(int[] trace, int capacity, bool adaptive)
    {
        var model = new TinyLfuModel(capacity, windowShare: 0.01, adaptive);
        long hits = 0;
        foreach (int key in trace)
        {
            hits += model.Access(key) ? 1 : 0;
        }

        return HitRatio.Percent(hits, trace.Length);
    }

    private static double Lfu(int[] trace, int capacity)
    {
        var lfu = new ConcurrentLfu<string, int>(1, capacity, new ForegroundScheduler(), EqualityComparer<string>.Default);
        return HitRatio.Replay(trace, key => lfu.TryGet(key, out _), (key, value) => lfu.AddOrUpdate(key, value));
    }
}
