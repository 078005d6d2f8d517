using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace AtomicLru.Benchmarks.Operations;

/// <summary>
/// One operation on a key already in a cache of 1,000 entries: the CPU cost and the allocations of each
/// path, with the key in the processor's cache (the side-by-side harness measures the memory-bound case).
/// </summary>
[Config(typeof(BenchmarkConfig))]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HotKeyBenchmarks : Competitors
{
    private const string Key = "key:42";

    [GlobalSetup]
    public void Setup()
    {
        Build();
        Fill(Enumerable.Range(0, Capacity).Select(i => "key:" + i).ToArray());
    }

    [GlobalCleanup]
    public void Cleanup() => Dispose();

    [Benchmark(Baseline = true), BenchmarkCategory("TryGet hit")]
    public bool TryGet_ConcurrentDictionary() => Dictionary.TryGetValue(Key, out _);

    [Benchmark, BenchmarkCategory("TryGet hit")]
    public bool TryGet_BitFaster_ConcurrentLru() => BitFaster.TryGet(Key, out _);

    [Benchmark, BenchmarkCategory("TryGet hit")]
    public bool TryGet_BitFaster_ConcurrentTLru() => BitFasterTimed.TryGet(Key, out _);

    [Benchmark, BenchmarkCategory("TryGet hit")]
    public bool TryGet_MemoryCache() => Memory.TryGetValue(Key, out _);

    [Benchmark, BenchmarkCategory("TryGet hit")]
    public bool TryGet_AtomicLru() => Atomic.TryGet(Key, out _);

    [Benchmark, BenchmarkCategory("TryGet hit")]
    public bool TryGet_AtomicLru_with_TTL() => AtomicTimed.TryGet(Key, out _);

    [Benchmark(Baseline = true), BenchmarkCategory("Set overwrite")]
    public void Set_ConcurrentDictionary() => Dictionary[Key] = Value;

    [Benchmark, BenchmarkCategory("Set overwrite")]
    public void Set_BitFaster_ConcurrentLru() => BitFaster.AddOrUpdate(Key, Value);

    [Benchmark, BenchmarkCategory("Set overwrite")]
    public void Set_BitFaster_ConcurrentTLru() => BitFasterTimed.AddOrUpdate(Key, Value);

    [Benchmark, BenchmarkCategory("Set overwrite")]
    public void Set_MemoryCache() => Memory.Set(Key, Value, MemoryEntry);

    [Benchmark, BenchmarkCategory("Set overwrite")]
    public void Set_AtomicLru() => Atomic.Set(Key, Value);

    [Benchmark, BenchmarkCategory("Set overwrite")]
    public void Set_AtomicLru_with_TTL() => AtomicTimed.Set(Key, Value);

    [Benchmark(Baseline = true), BenchmarkCategory("GetOrAdd hit")]
    public object GetOrAdd_ConcurrentDictionary() => Dictionary.GetOrAdd(Key, static _ => Value);

    [Benchmark, BenchmarkCategory("GetOrAdd hit")]
    public object GetOrAdd_BitFaster_ConcurrentLru() => BitFaster.GetOrAdd(Key, static _ => Value);

    [Benchmark, BenchmarkCategory("GetOrAdd hit")]
    public object GetOrAdd_BitFaster_ConcurrentTLru() => BitFasterTimed.GetOrAdd(Key, static _ => Value);

    [Benchmark, BenchmarkCategory("GetOrAdd hit")]
    public object? GetOrAdd_MemoryCache() => Memory.GetOrCreate(Key, static entry => { entry.Size = 1; return Value; });

    [Benchmark, BenchmarkCategory("GetOrAdd hit")]
    public object GetOrAdd_AtomicLru() => Atomic.GetOrAdd(Key, static _ => Value);

    [Benchmark(Baseline = true), BenchmarkCategory("IMemoryCache.TryGetValue hit")]
    public bool IMemoryCache_TryGetValue_MemoryCache() => ((IMemoryCache)Memory).TryGetValue(Key, out _);

    [Benchmark, BenchmarkCategory("IMemoryCache.TryGetValue hit")]
    public bool IMemoryCache_TryGetValue_AtomicLruMemoryCache() => ((IMemoryCache)AtomicMemory).TryGetValue(Key, out _);
}
