using System;
using System.Diagnostics;
using System.Linq;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// Read hits over a warm cache of 100,000 string keys, two ways. Latency: each value is the next key to
/// read (a random cycle through all keys), so one read cannot start before the previous one finished and
/// the figure is the time of one hit, cache misses included. Throughput: the keys of a random sequence are
/// known in advance, so the processor overlaps the memory waits of several reads.
/// </summary>
internal static class HitLatency
{
    private const int Entries = 100_000;
    private const int Reads = 1_000_000;
    private const int Rounds = 9;

    private static readonly string[] Names = [Candidates.Dictionary, Candidates.LockedLru, Candidates.BitFaster, Candidates.Memory, Candidates.Atomic];

    public static void Run()
    {
        string[] keys = Enumerable.Range(0, Entries).Select(i => "key:" + i).ToArray();
        string[] cycle = keys.ToArray();
        new Random(7).Shuffle(cycle);
        var random = new Random(8);
        string[] sequence = Enumerable.Range(0, Reads).Select(_ => keys[random.Next(Entries)]).ToArray();

        var caches = Names.ToDictionary(n => n, n => Candidates.Create(n, Entries));
        foreach (ICandidate cache in caches.Values)
        {
            for (int i = 0; i < Entries; i++)
            {
                cache.Set(cycle[i], cycle[(i + 1) % Entries]);
            }
        }

        var latency = Report.Interleave(Names, Rounds, name => Chase(caches[name], cycle[0]));
        var throughput = Report.Interleave(Names, Rounds, name => Sweep(caches[name], sequence));
        foreach (ICandidate cache in caches.Values)
        {
            cache.Dispose();
        }

        Report.Line($"## Hit latency and hit throughput, 100,000 entries (median of {Rounds} interleaved rounds of {Reads:N0} reads)");
        Report.Line();
        Report.Line("| candidate | latency, ns per hit | vs ConcurrentDictionary | vs BitFaster | throughput, ns per hit | vs ConcurrentDictionary | vs BitFaster |");
        Report.Line("|---|---|---|---|---|---|---|");
        foreach (string name in Names)
        {
            Report.Line($"| {name} | {Report.F(latency[name])} | {Report.Ratio(latency.Ratio(name, Candidates.Dictionary))} | {Report.Ratio(latency.Ratio(name, Candidates.BitFaster))} " +
                        $"| {Report.F(throughput[name])} | {Report.Ratio(throughput.Ratio(name, Candidates.Dictionary))} | {Report.Ratio(throughput.Ratio(name, Candidates.BitFaster))} |");
            Report.Chart("hit latency", name, latency.Ratio(Candidates.BitFaster, name));
            Report.Chart("hit throughput", name, throughput.Ratio(Candidates.BitFaster, name));
        }

        Report.Line();
    }

    private static double Chase(ICandidate cache, string start)
    {
        string key = start;
        long clock = Stopwatch.GetTimestamp();
        for (int i = 0; i < Reads; i++)
        {
            cache.TryGet(key, out object? next);
            key = (string)next!;
        }

        return Stopwatch.GetElapsedTime(clock).TotalNanoseconds / Reads;
    }

    private static double Sweep(ICandidate cache, string[] sequence)
    {
        int hits = 0;
        long clock = Stopwatch.GetTimestamp();
        foreach (string key in sequence)
        {
            hits += cache.TryGet(key, out _) ? 1 : 0;
        }

        double nanoseconds = Stopwatch.GetElapsedTime(clock).TotalNanoseconds / sequence.Length;
        return hits == sequence.Length ? nanoseconds : throw new InvalidOperationException($"{cache.Name} missed a key it holds.");
    }
}
