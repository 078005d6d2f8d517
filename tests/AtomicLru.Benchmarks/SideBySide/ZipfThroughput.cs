using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// Get-or-set throughput under a Zipf (s = 0.9) key distribution over 1,000,000 string keys, at capacities
/// 10,000 and 100,000, with every thread count from 1 to the machine's cores: a read, and a store on a miss.
/// </summary>
internal static class ZipfThroughput
{
    internal const int KeySpace = 1_000_000;
    private const int OperationsPerThread = 1_000_000;
    private const int Rounds = 9;

    private static readonly string[] Names = [Candidates.Dictionary, Candidates.LockedLru, Candidates.BitFaster, Candidates.Memory, Candidates.Atomic];

    public static void Run()
    {
        string[] keys = Enumerable.Range(0, KeySpace).Select(i => "key:" + i).ToArray();
        int[] sample = Zipf.Sample(0.9, KeySpace, OperationsPerThread * Environment.ProcessorCount, seed: 42);
        object value = new();
        Report.Line($"## Zipf get-or-set throughput (s = 0.9, {KeySpace:N0} keys; million operations per second, median of {Rounds} interleaved rounds)");
        Report.Line();
        Report.Line("ConcurrentDictionary is unbounded (it never evicts, so its hit ratio climbs towards 100 %): the ceiling, not a competitor.");
        Report.Line("With more than one thread, the row also gives the core-to-core transfer time measured just before it: the VM's cores move during a run, and every multi-threaded figure follows them.");
        Report.Line();
        Report.Line("| capacity | threads | core-to-core, ns | " + string.Join(" | ", Names) + " | AtomicLru / BitFaster | AtomicLru / MemoryCache |");
        Report.Line("|---|---|---|" + string.Concat(Enumerable.Repeat("---|", Names.Length + 2)));
        foreach (int capacity in new[] { 10_000, 100_000 })
        {
            for (int threads = 1; threads <= Environment.ProcessorCount; threads++)
            {
                string transfer = threads > 1 && CoreToCore.TransferNanoseconds() is double nanoseconds ? $"{nanoseconds:F0}" : "—";
                var results = Report.Interleave(Names, Rounds, name =>
                {
                    using ICandidate cache = Candidates.Create(name, capacity);
                    return Measure(cache, keys, sample, threads, value);
                });
                Report.Line($"| {capacity:N0} | {threads} | {transfer} | " + string.Join(" | ", Names.Select(n => Report.F(results[n], 2))) +
                            $" | {Report.Ratio(results.Ratio(Candidates.Atomic, Candidates.BitFaster))} | {Report.Ratio(results.Ratio(Candidates.Atomic, Candidates.Memory))} |");
                foreach (string name in Names.Where(n => n != Candidates.Dictionary))
                {
                    Report.Chart($"Zipf {capacity / 1000}k, {threads} thread{(threads > 1 ? "s" : "")}", name, results.Ratio(name, Candidates.BitFaster));
                }
            }
        }

        Report.Line();
    }

    internal static double Measure(ICandidate cache, string[] keys, int[] sample, int threads, object value)
    {
        // Warm up on the first quarter of thread 0's slice, then time every thread's slice.
        for (int i = 0; i < OperationsPerThread / 4; i++)
        {
            GetOrSet(cache, keys[sample[i]], value);
        }

        using var start = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int offset = t * OperationsPerThread;
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < OperationsPerThread; i++)
                {
                    GetOrSet(cache, keys[sample[offset + i]], value);
                }
            });
            workers[t].Start();
        }

        start.SignalAndWait();
        long clock = Stopwatch.GetTimestamp();
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        return (double)OperationsPerThread * threads / Stopwatch.GetElapsedTime(clock).TotalSeconds / 1e6;
    }

    private static void GetOrSet(ICandidate cache, string key, object value)
    {
        if (!cache.TryGet(key, out _))
        {
            cache.Set(key, value);
        }
    }
}
