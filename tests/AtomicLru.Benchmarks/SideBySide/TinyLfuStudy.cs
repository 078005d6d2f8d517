using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using AtomicLru;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Scheduler;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// AtomicLru's Window TinyLFU measured (docs/benchmarks/tinylfu.md, docs/decisions/0014-window-tinylfu.md): hit ratio on
/// every trace and Zipf capacity of the engine under <c>TinyLfu</c> and <c>Lru</c>, beside Bélády, BitFaster
/// ConcurrentLfu (maintenance in the foreground, so every access counts), MemoryCache and the single-threaded
/// <see cref="TinyLfuModel"/> with a fixed 1 % window and sized from ghosts; then Zipf get-or-set throughput and hit
/// latency of both policies beside BitFaster's two caches and MemoryCache.
/// </summary>
internal static class TinyLfuStudy
{
    public static void Run(string? tracesDirectory)
    {
        string directory = tracesDirectory ?? Path.Combine(AppContext.BaseDirectory, "Traces");
        Report.Line("## Hit ratio (%), single-threaded: a read per request, a store on a miss");
        Report.Line();
        Report.Line("Capacity is a share of the trace's distinct keys (10, 25, 50 %), or a count (Zipf s = 0.9 over 1,000,000 keys, 2,000,000 requests). The model columns are the single-threaded study of the window's size.");
        Report.Line();
        Report.Line("| trace | capacity | Bélády | AtomicLru Lru | AtomicLru TinyLfu | BitFaster ConcurrentLfu | MemoryCache | TinyLfu − ConcurrentLfu | TinyLfu − MemoryCache | model 1 % | model adaptive |");
        Report.Line("|---|---|---|---|---|---|---|---|---|---|---|");
        var rows = HitRatio.Rows(directory);
        double fixedSum = 0, adaptiveSum = 0, engineSum = 0, lfuSum = 0;
        foreach ((string name, int[] trace, int capacity) in rows)
        {
            double fixedShare = Model(trace, capacity, adaptive: false);
            double adaptive = Model(trace, capacity, adaptive: true);
            double engine = Engine(trace, capacity, AtomicLruEvictionPolicy.TinyLfu);
            double lfu = Lfu(trace, capacity);
            double memory = HitRatio.MemoryCacheRatio(trace, capacity);
            fixedSum += fixedShare;
            adaptiveSum += adaptive;
            engineSum += engine;
            lfuSum += lfu;
            Report.Line(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {capacity:N0} | {HitRatio.Belady(trace, capacity):F2} | {Engine(trace, capacity, AtomicLruEvictionPolicy.Lru):F2} | {engine:F2} | {lfu:F2} | {memory:F2} | {engine - lfu:+0.00;-0.00;0.00} | {engine - memory:+0.00;-0.00;0.00} | {fixedShare:F2} | {adaptive:F2} |"));
        }

        Report.Line();
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"Mean over the rows: AtomicLru TinyLfu {engineSum / rows.Count:F2}, BitFaster ConcurrentLfu {lfuSum / rows.Count:F2}; model with a fixed 1 % window {fixedSum / rows.Count:F2}, sized from ghosts {adaptiveSum / rows.Count:F2}."));
        Report.Line();

        RunSpeed();
    }

    /// <summary>The throughput and latency sections alone (no hit ratios): for trying a change to either policy's speed.</summary>
    public static void RunSpeed()
    {
        Throughput();
        HitLatency.Run([Candidates.Dictionary, Candidates.BitFasterLfu, Candidates.BitFaster, Candidates.Memory, Candidates.Atomic, Candidates.AtomicTinyLfu]);
    }

    private static readonly string[] ThroughputNames = [Candidates.BitFaster, Candidates.BitFasterLfu, Candidates.BitFasterLfuForeground, Candidates.Memory, Candidates.Atomic, Candidates.AtomicTinyLfu];

    /// <summary>
    /// Zipf get-or-set throughput, as <see cref="ZipfThroughput"/> measures it, of both policies and BitFaster's two caches;
    /// ConcurrentLfu also with its maintenance inline, since as it comes that runs on the thread pool: in the one-thread
    /// rows, on the other core.
    /// </summary>
    private static void Throughput()
    {
        const int rounds = 7;
        string[] keys = Enumerable.Range(0, ZipfThroughput.KeySpace).Select(i => "key:" + i).ToArray();
        int[] sample = Zipf.Sample(0.9, ZipfThroughput.KeySpace, 1_000_000 * Environment.ProcessorCount, seed: 42);
        object value = new();
        Report.Line($"## Zipf get-or-set throughput (s = 0.9; million operations per second, median of {rounds} interleaved rounds)");
        Report.Line();
        Report.Line("| capacity | threads | " + string.Join(" | ", ThroughputNames) + " | TinyLfu / ConcurrentLfu | TinyLfu / ConcurrentLfu inline | TinyLfu / Lru |");
        Report.Line("|---|---|" + string.Concat(Enumerable.Repeat("---|", ThroughputNames.Length + 3)));
        foreach (int capacity in new[] { 10_000, 100_000 })
        {
            for (int threads = 1; threads <= Environment.ProcessorCount; threads++)
            {
                var results = Report.Interleave(ThroughputNames, rounds, name =>
                {
                    using ICandidate cache = Candidates.Create(name, capacity);
                    return ZipfThroughput.Measure(cache, keys, sample, threads, value);
                });
                Report.Line($"| {capacity:N0} | {threads} | " + string.Join(" | ", ThroughputNames.Select(n => Report.F(results[n], 2))) +
                            $" | {Report.Ratio(results.Ratio(Candidates.AtomicTinyLfu, Candidates.BitFasterLfu))} | {Report.Ratio(results.Ratio(Candidates.AtomicTinyLfu, Candidates.BitFasterLfuForeground))} | {Report.Ratio(results.Ratio(Candidates.AtomicTinyLfu, Candidates.Atomic))} |");
            }
        }

        Report.Line();
    }

    private static double Engine(int[] trace, int capacity, AtomicLruEvictionPolicy policy)
    {
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions { MaxItems = capacity, EvictionPolicy = policy });
        return HitRatio.Replay(trace, key => storage.TryGet(key, out _), (key, value) => storage.Set(key, value));
    }

    /// <summary>The model alone, at several fixed window shares and sized from ghosts: for tuning the window (fast, deterministic).</summary>
    public static void RunModel(string? tracesDirectory)
    {
        double[] shares = [0.005, 0.01, 0.02, 0.05, 0.1];
        Report.Line("| trace | capacity | " + string.Join(" | ", shares.Select(w => $"window {w * 100:0.#} %")) + " | adaptive |");
        Report.Line("|---|---|" + string.Concat(Enumerable.Repeat("---|", shares.Length + 1)));
        var sums = new double[shares.Length + 1];
        var rows = HitRatio.Rows(tracesDirectory ?? Path.Combine(AppContext.BaseDirectory, "Traces"));
        foreach ((string name, int[] trace, int capacity) in rows)
        {
            double[] ratios = [.. shares.Select(w => Model(trace, capacity, adaptive: false, w)), Model(trace, capacity, adaptive: true)];
            for (int i = 0; i < ratios.Length; i++)
            {
                sums[i] += ratios[i];
            }

            Report.Line(string.Create(CultureInfo.InvariantCulture, $"| {name} | {capacity:N0} | {string.Join(" | ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))} |"));
        }

        Report.Line(string.Create(CultureInfo.InvariantCulture, $"| mean | | {string.Join(" | ", sums.Select(t => (t / rows.Count).ToString("F2", CultureInfo.InvariantCulture)))} |"));
        Report.Line();
    }

    private static double Model(int[] trace, int capacity, bool adaptive, double windowShare = 0.01)
    {
        var model = new TinyLfuModel(capacity, windowShare, adaptive);
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
