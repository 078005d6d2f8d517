using System.Collections.Concurrent;
using AtomicLru;
using BenchmarkDotNet.Attributes;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AtomicLru.Benchmarks.Operations;

/// <summary>
/// A read hit over a warm cache of 100,000 string keys, cycling through the keys so that most reads miss
/// the CPU caches (as they do in a real service): AtomicLru against ConcurrentDictionary (the floor of a
/// hash lookup), BitFaster ConcurrentLru and MemoryCache.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class HitLatencyBenchmarks
{
    private const int Entries = 100_000;
    private string[] _keys = [];
    private int _next;
    private ConcurrentDictionary<string, object> _dictionary = null!;
    private ConcurrentLru<string, object> _bitFaster = null!;
    private MemoryCache _memoryCache = null!;
    private AtomicLruStorage<object> _atomic = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keys = new string[Entries];
        var value = new object();
        _dictionary = new ConcurrentDictionary<string, object>();
        _bitFaster = new ConcurrentLru<string, object>(Entries);
        _memoryCache = new MemoryCache(Options.Create(new MemoryCacheOptions()));
        _atomic = new AtomicLruStorage<object>(new AtomicLruOptions { MaxItems = Entries });
        for (int i = 0; i < Entries; i++)
        {
            string key = "key:" + i;
            _keys[i] = key;
            _dictionary[key] = value;
            _bitFaster.AddOrUpdate(key, value);
            _memoryCache.Set(key, value);
            _atomic.Set(key, value);
        }

        // Shuffle the order of reads so that consecutive reads touch unrelated memory.
        new System.Random(42).Shuffle(_keys);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memoryCache.Dispose();
        _atomic.Dispose();
    }

    private string NextKey()
    {
        int i = _next + 1;
        if (i == Entries)
        {
            i = 0;
        }

        _next = i;
        return _keys[i];
    }

    [Benchmark(Baseline = true)]
    public bool ConcurrentDictionary_TryGetValue() => _dictionary.TryGetValue(NextKey(), out _);

    [Benchmark]
    public bool BitFaster_ConcurrentLru_TryGet() => _bitFaster.TryGet(NextKey(), out _);

    [Benchmark]
    public bool MemoryCache_TryGetValue() => _memoryCache.TryGetValue(NextKey(), out _);

    [Benchmark]
    public bool AtomicLru_TryGet() => _atomic.TryGet(NextKey(), out _);
}
