using System;
using System.Diagnostics;
using System.Linq;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// Every insert evicts: a full cache of 10,000 entries takes 1,000,000 new keys, single-threaded.
/// MemoryCache does not evict on insert: over its size limit it refuses the entry and compacts in the
/// background, so its figure is the cost of a refused insert.
/// </summary>
internal static class WriteChurn
{
    private const int Capacity = 10_000;
    private const int Inserts = 1_000_000;
    private const int Rounds = 9;

    private static readonly string[] Names = [Candidates.LockedLru, Candidates.BitFaster, Candidates.Memory, Candidates.Atomic];

    public static void Run()
    {
        string[] keys = Enumerable.Range(0, Capacity + Inserts).Select(i => "churn:" + i).ToArray();
        object value = new();
        var results = Report.Interleave(Names, Rounds, name =>
        {
            using ICandidate cache = Candidates.Create(name, Capacity);
            for (int i = 0; i < Capacity; i++)
            {
                cache.Set(keys[i], value);
            }

            long clock = Stopwatch.GetTimestamp();
            for (int i = Capacity; i < keys.Length; i++)
            {
                cache.Set(keys[i], value);
            }

            return Stopwatch.GetElapsedTime(clock).TotalNanoseconds / Inserts;
        });

        Report.Line($"## Write churn: every insert evicts (capacity {Capacity:N0}, {Inserts:N0} new keys, median of {Rounds} interleaved rounds)");
        Report.Line();
        Report.Line("| candidate | ns per insert | vs locked LRU | vs BitFaster |");
        Report.Line("|---|---|---|---|");
        foreach (string name in Names)
        {
            Report.Line($"| {name} | {Report.F(results[name])} | {Report.Ratio(results.Ratio(name, Candidates.LockedLru))} | {Report.Ratio(results.Ratio(name, Candidates.BitFaster))} |");
            Report.Chart("insert that evicts", name, results.Ratio(Candidates.BitFaster, name));
        }

        Report.Line();
    }
}
