using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// Entries that expire all the time, in real time (no fake clock: this is about what each cache does on
/// its own). Throughput: each operation stores a new key with a one-second TTL and reads the key stored
/// 64 operations before. Held: new keys arrive at a steady 100,000 per second with a one-second TTL into a
/// cache with room for 1,000,000, and the harness samples how many entries each cache holds beyond the
/// ones still alive: expired entries still taking memory.
/// </summary>
internal static class TtlChurn
{
    private const int Operations = 1_000_000;
    private const int Rounds = 5;
    private const int Rate = 100_000;
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    private static readonly string[] Names = [Candidates.BitFasterTimed, Candidates.Memory, Candidates.Atomic];

    public static void Run()
    {
        string[] keys = Enumerable.Range(0, Math.Max(Operations, Rate * 5)).Select(i => "ttl:" + i).ToArray();
        object value = new();
        var throughput = Report.Interleave(Names, Rounds, name =>
        {
            using ICandidate cache = Candidates.Create(name, 100_000, Ttl);
            long clock = Stopwatch.GetTimestamp();
            for (int i = 0; i < Operations; i++)
            {
                cache.Set(keys[i], value);
                cache.TryGet(keys[Math.Max(0, i - 64)], out _);
            }

            return Operations / Stopwatch.GetElapsedTime(clock).TotalSeconds / 1e6;
        });

        Report.Line($"## TTL churn (TTL 1 s; throughput: median of {Rounds} interleaved rounds; held: 100,000 new keys per second for 5 s, capacity 1,000,000)");
        Report.Line();
        Report.Line("| candidate | million set+get per second | expired entries held, most (mean) after the first second | as a share of live entries |");
        Report.Line("|---|---|---|---|");
        foreach (string name in Names)
        {
            (double most, double mean) = Held(name, keys, value);
            Report.Line($"| {name} | {Report.F(throughput[name], 2)} | {most:N0} ({mean:N0}) | {Report.F(100 * most / Rate, 0)} % |");
        }

        Report.Line();
    }

    /// <summary>Feeds keys at a steady rate for five seconds and samples Count minus the keys stored within the last TTL.</summary>
    private static (double Most, double Mean) Held(string name, string[] keys, object value)
    {
        using ICandidate cache = Candidates.Create(name, 1_000_000, Ttl);
        var samples = new List<double>();
        long start = Stopwatch.GetTimestamp();
        long ticksPerKey = Stopwatch.Frequency / Rate;
        for (int i = 0; i < Rate * 5; i++)
        {
            while (Stopwatch.GetTimestamp() - start < i * ticksPerKey)
            {
                // pace: one key every 10 microseconds
            }

            cache.Set(keys[i], value);
            if (i % (Rate / 10) == 0 && i > Rate * 1.5)
            {
                int live = Rate; // keys stored within the last second, at a steady rate
                samples.Add(Math.Max(0, cache.Count - live));
            }
        }

        return (samples.Max(), samples.Average());
    }
}
