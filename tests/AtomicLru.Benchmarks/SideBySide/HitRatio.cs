using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using AtomicLru;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// Hit ratio on the LIRS traces (Traces/, copied beside the executable), single-threaded, side by side: AtomicLru against an exact
/// LRU written here, Bélády's optimal (the ceiling), BitFaster ConcurrentLru and MemoryCache with a size
/// limit of one unit per entry. Replay: TryGet, and Set on a miss.
/// </summary>
internal static class HitRatio
{
    public static void Run(string? tracesDirectory)
    {
        string directory = tracesDirectory ?? Path.Combine(AppContext.BaseDirectory, "Traces");
        Report.Line("## Hit ratio (%), single-threaded: a read per request, a store on a miss");
        Report.Line();
        Report.Line("Capacity is a share of the trace's distinct keys (LIRS traces, tests/AtomicLru.Benchmarks/Traces), or a count (Zipf s = 0.9 over 1,000,000 keys, 2,000,000 requests).");
        Report.Line();
        Report.Line("| trace | capacity | Bélády | exact LRU | AtomicLru | AtomicLru − exact LRU | BitFaster ConcurrentLru | MemoryCache |");
        Report.Line("|---|---|---|---|---|---|---|---|");
        foreach ((string name, int[] trace, int capacity) in Rows(directory))
        {
            Row(name, trace, capacity);
        }

        Report.Line();
    }

    /// <summary>The rows of every hit-ratio table: each trace at 10, 25 and 50 % of its distinct keys, then Zipf 0.9 at three capacities.</summary>
    internal static List<(string Name, int[] Trace, int Capacity)> Rows(string directory)
    {
        string[] traces = Directory.GetFiles(directory, "*.trace.gz");
        if (traces.Length == 0)
        {
            throw new FileNotFoundException($"No *.trace.gz in {directory}.");
        }

        var rows = new List<(string Name, int[] Trace, int Capacity)>();
        foreach (string path in traces.OrderBy(p => p, StringComparer.Ordinal))
        {
            int[] trace = Read(path);
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

        return rows;
    }

    private static void Row(string name, int[] trace, int capacity)
    {
        double exact = ExactLru(trace, capacity);
        double atomic = AtomicLru(trace, capacity);
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {capacity:N0} | {Belady(trace, capacity):F2} | {exact:F2} | {atomic:F2} | {atomic - exact:+0.00;-0.00;0.00} | {BitFaster(trace, capacity):F2} | {MemoryCacheRatio(trace, capacity):F2} |"));
    }

    internal static int[] Read(string path)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        var keys = new List<int>();
        while (reader.ReadLine() is string line)
        {
            if (int.TryParse(line.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int key))
            {
                keys.Add(key);
            }
        }

        return [.. keys];
    }

    internal static double Percent(long hits, int total) => 100.0 * hits / total;

    /// <summary>Replays a trace against a cache: a lookup per request, a store on a miss.</summary>
    internal static double Replay(int[] trace, Func<string, bool> tryGet, Action<string, int> set)
    {
        long hits = 0;
        foreach (int key in trace)
        {
            string name = key.ToString(CultureInfo.InvariantCulture);
            if (tryGet(name))
            {
                hits++;
            }
            else
            {
                set(name, key);
            }
        }

        return Percent(hits, trace.Length);
    }

    private static double AtomicLru(int[] trace, int capacity)
    {
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions { MaxItems = capacity });
        return Replay(trace, key => storage.TryGet(key, out _), (key, value) => storage.Set(key, value));
    }

    internal static double ExactLru(int[] trace, int capacity)
    {
        var order = new LinkedList<int>();
        var nodes = new Dictionary<int, LinkedListNode<int>>();
        long hits = 0;
        foreach (int key in trace)
        {
            if (nodes.TryGetValue(key, out LinkedListNode<int>? node))
            {
                hits++;
                order.Remove(node);
                order.AddFirst(node);
                continue;
            }

            if (nodes.Count == capacity)
            {
                nodes.Remove(order.Last!.Value);
                order.RemoveLast();
            }

            nodes[key] = order.AddFirst(key);
        }

        return Percent(hits, trace.Length);
    }

    internal static double Belady(int[] trace, int capacity)
    {
        // Evict the key whose next use is furthest away.
        var nextUse = new int[trace.Length];
        var seen = new Dictionary<int, int>();
        for (int i = trace.Length - 1; i >= 0; i--)
        {
            nextUse[i] = seen.TryGetValue(trace[i], out int next) ? next : int.MaxValue;
            seen[trace[i]] = i;
        }

        var cached = new Dictionary<int, int>(); // key -> its next use
        var byNextUse = new SortedSet<(int NextUse, int Key)>();
        long hits = 0;
        for (int i = 0; i < trace.Length; i++)
        {
            int key = trace[i];
            if (cached.TryGetValue(key, out int use))
            {
                hits++;
                byNextUse.Remove((use, key));
            }
            else if (cached.Count == capacity)
            {
                (int _, int victim) = byNextUse.Max;
                byNextUse.Remove(byNextUse.Max);
                cached.Remove(victim);
            }

            cached[key] = nextUse[i];
            byNextUse.Add((nextUse[i], key));
        }

        return Percent(hits, trace.Length);
    }

    internal static double BitFaster(int[] trace, int capacity)
    {
        var lru = new ConcurrentLru<string, int>(capacity);
        return Replay(trace, key => lru.TryGet(key, out _), (key, value) => lru.AddOrUpdate(key, value));
    }

    internal static double MemoryCacheRatio(int[] trace, int capacity)
    {
        using var cache = new MemoryCache(Options.Create(new MemoryCacheOptions { SizeLimit = capacity }));
        var options = new MemoryCacheEntryOptions { Size = 1 };
        return Replay(trace, key => cache.TryGetValue(key, out _), (key, value) => cache.Set(key, value, options));
    }
}
