using System;
using System.Diagnostics;
using System.Linq;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// Read hits over a warm cache of 100,000 string keys, two ways. Latency: each value is the next key to
/// read (a random cycle through all keys), so one read cannot start before the previous one finished and
/// the figure is the time of one hit, cache misses included. Throughput: the keys of a random sequence are
/// known in advance, so the processor overlaps the memory waits of several reads.
/// Each is measured with two kinds of key: the very string instances the cache stores (equality short-circuits on
/// the reference), and keys built per request, as real callers build them (<c>$"user:{id}"</c>): every lookup
/// carries its own copy, so equality compares the characters. The copies are made in advance: no allocation in the
/// timed loop.
/// </summary>
internal static class HitLatency
{
    private const int Entries = 100_000;
    private const int Reads = 1_000_000;
    private const int Rounds = 9;

    private static readonly string[] DefaultNames = [Candidates.Dictionary, Candidates.LockedLru, Candidates.BitFaster, Candidates.Memory, Candidates.Atomic];

    private static string[] Names = DefaultNames;

    /// <summary>Both key kinds, over <paramref name="names"/> (the default candidates when null; the first is the ratios' baseline column).</summary>
    public static void Run(string[]? names = null)
    {
        Names = names ?? DefaultNames;
        string[] keys = Enumerable.Range(0, Entries).Select(i => "key:" + i).ToArray();
        string[] cycle = keys.ToArray();
        new Random(7).Shuffle(cycle);
        var random = new Random(8);
        int[] picks = Enumerable.Range(0, Reads).Select(_ => random.Next(Entries)).ToArray();
        string[] stored = picks.Select(i => keys[i]).ToArray();
        string[] perRequest = picks.Select(i => new string(keys[i].AsSpan())).ToArray();

        Measure("the stored key instances", Names.ToDictionary(n => n, n => Warm(n, cycle, copyValues: false)), cycle[0], stored);
        Measure("keys built per request", Names.ToDictionary(n => n, n => Warm(n, cycle, copyValues: true)), new string(cycle[0].AsSpan()), perRequest);
    }

    /// <summary>A cache holding the cycle: each key's value is the next key, the stored instance or a copy of it.</summary>
    private static ICandidate Warm(string name, string[] cycle, bool copyValues)
    {
        ICandidate cache = Candidates.Create(name, Entries);
        for (int i = 0; i < Entries; i++)
        {
            string next = cycle[(i + 1) % Entries];
            cache.Set(cycle[i], copyValues ? new string(next.AsSpan()) : next);
        }

        return cache;
    }

    private static void Measure(string keyKind, System.Collections.Generic.Dictionary<string, ICandidate> caches, string start, string[] sequence)
    {
        var latency = Report.Interleave(Names, Rounds, name => Chase(caches[name], start));
        var throughput = Report.Interleave(Names, Rounds, name => Sweep(caches[name], sequence));
        foreach (ICandidate cache in caches.Values)
        {
            cache.Dispose();
        }

        bool perRequest = keyKind.StartsWith("keys built", StringComparison.Ordinal);
        Report.Line($"## Hit latency and hit throughput, 100,000 entries, {keyKind} (median of {Rounds} interleaved rounds of {Reads:N0} reads)");
        Report.Line();
        Report.Line("| candidate | latency, ns per hit | vs ConcurrentDictionary | vs BitFaster | throughput, ns per hit | vs ConcurrentDictionary | vs BitFaster |");
        Report.Line("|---|---|---|---|---|---|---|");
        foreach (string name in Names)
        {
            Report.Line($"| {name} | {Report.F(latency[name])} | {Report.Ratio(latency.Ratio(name, Candidates.Dictionary))} | {Report.Ratio(latency.Ratio(name, Candidates.BitFaster))} " +
                        $"| {Report.F(throughput[name])} | {Report.Ratio(throughput.Ratio(name, Candidates.Dictionary))} | {Report.Ratio(throughput.Ratio(name, Candidates.BitFaster))} |");
            Report.Chart(perRequest ? "hit latency, per-request keys" : "hit latency", name, latency.Ratio(Candidates.BitFaster, name));
            Report.Chart(perRequest ? "hit throughput, per-request keys" : "hit throughput", name, throughput.Ratio(Candidates.BitFaster, name));
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
