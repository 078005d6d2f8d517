using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using AtomicLru;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AtomicLru.Benchmarks;

/// <summary>
/// Get-or-set throughput under a Zipf (s = 0.9) key distribution over 1,000,000 string keys, at two
/// capacities and with 1 thread and every core, side by side in one process: the candidates are
/// interleaved round by round and the median of the rounds is reported, with ratios.
/// </summary>
internal static class ZipfThroughput
{
    private const int KeySpace = 1_000_000;
    private const int OperationsPerThread = 2_000_000;
    private const int Rounds = 5;

    private interface ICandidate : IDisposable
    {
        string Name { get; }

        void GetOrSet(string key);
    }

    private sealed class Dictionary(int capacity) : ICandidate
    {
        private readonly ConcurrentDictionary<string, object> _map = new(Environment.ProcessorCount, capacity);
        private static readonly object Value = new();

        public string Name => "ConcurrentDictionary (unbounded)";

        public void GetOrSet(string key)
        {
            if (!_map.TryGetValue(key, out _))
            {
                _map[key] = Value;
            }
        }

        public void Dispose()
        {
        }
    }

    private sealed class BitFaster(int capacity) : ICandidate
    {
        private readonly ConcurrentLru<string, object> _lru = new(capacity);
        private static readonly object Value = new();

        public string Name => "BitFaster ConcurrentLru";

        public void GetOrSet(string key)
        {
            if (!_lru.TryGet(key, out _))
            {
                _lru.AddOrUpdate(key, Value);
            }
        }

        public void Dispose()
        {
        }
    }

    private sealed class Memory(int capacity) : ICandidate
    {
        private readonly MemoryCache _cache = new(Options.Create(new MemoryCacheOptions { SizeLimit = capacity }));
        private static readonly object Value = new();
        private static readonly MemoryCacheEntryOptions One = new() { Size = 1 };

        public string Name => "MemoryCache";

        public void GetOrSet(string key)
        {
            if (!_cache.TryGetValue(key, out _))
            {
                _cache.Set(key, Value, One);
            }
        }

        public void Dispose() => _cache.Dispose();
    }

    private sealed class Atomic(int capacity) : ICandidate
    {
        private readonly AtomicLruStorage<object> _storage = new(new AtomicLruOptions { MaxItems = capacity });
        private static readonly object Value = new();

        public string Name => "AtomicLruStorage";

        public void GetOrSet(string key)
        {
            if (!_storage.TryGet(key, out _))
            {
                _storage.Set(key, Value);
            }
        }

        public void Dispose() => _storage.Dispose();
    }

    public static void Run()
    {
        string[] keys = Enumerable.Range(0, KeySpace).Select(i => "key:" + i).ToArray();
        int[] sample = Zipf(0.9, KeySpace, OperationsPerThread * Environment.ProcessorCount, new Random(42));
        Console.WriteLine($"Zipf (s = 0.9, {KeySpace:N0} keys) get-or-set, million operations per second, median of {Rounds} interleaved rounds ({Environment.ProcessorCount} cores, .NET {Environment.Version})");
        Console.WriteLine();
        Console.WriteLine("| capacity | threads | ConcurrentDictionary (unbounded) | BitFaster ConcurrentLru | MemoryCache | AtomicLruStorage | AtomicLru / BitFaster | AtomicLru / MemoryCache |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (int capacity in new[] { 10_000, 100_000 })
        {
            foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
            {
                Func<ICandidate>[] makers = [() => new Dictionary(capacity), () => new BitFaster(capacity), () => new Memory(capacity), () => new Atomic(capacity)];
                var results = makers.Select(_ => new List<double>()).ToArray();
                for (int round = 0; round < Rounds; round++)
                {
                    for (int c = 0; c < makers.Length; c++)
                    {
                        using ICandidate candidate = makers[c]();
                        results[c].Add(Measure(candidate, keys, sample, threads));
                    }
                }

                double[] medians = results.Select(r => r.OrderBy(x => x).ElementAt(r.Count / 2)).ToArray();
                Console.WriteLine($"| {capacity:N0} | {threads} | {medians[0]:F1} | {medians[1]:F1} | {medians[2]:F1} | {medians[3]:F1} | {medians[3] / medians[1]:F2}× | {medians[3] / medians[2]:F2}× |");
            }
        }
    }

    private static double Measure(ICandidate candidate, string[] keys, int[] sample, int threads)
    {
        // Warm the cache with the first pass of thread 0's slice, then time every thread's slice.
        for (int i = 0; i < OperationsPerThread / 4; i++)
        {
            candidate.GetOrSet(keys[sample[i]]);
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
                    candidate.GetOrSet(keys[sample[offset + i]]);
                }
            });
            workers[t].Start();
        }

        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        return (double)OperationsPerThread * threads / clock.Elapsed.TotalSeconds / 1e6;
    }

    private static int[] Zipf(double s, int n, int count, Random random)
    {
        var cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, s);
            cdf[k] = sum;
        }

        var sample = new int[count];
        for (int i = 0; i < count; i++)
        {
            int index = Array.BinarySearch(cdf, random.NextDouble() * sum);
            sample[i] = index < 0 ? ~index : index;
        }

        // Scatter ranks over the key space, so the hottest keys are not neighbours in memory.
        var shuffle = Enumerable.Range(0, n).ToArray();
        random.Shuffle(shuffle);
        for (int i = 0; i < count; i++)
        {
            sample[i] = shuffle[Math.Min(sample[i], n - 1)];
        }

        return sample;
    }
}
