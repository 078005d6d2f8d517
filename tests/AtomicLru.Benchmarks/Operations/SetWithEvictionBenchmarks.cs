using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace AtomicLru.Benchmarks.Operations;

/// <summary>
/// A Set of a key that is not in the full cache, so it evicts one (keys cycle through 100 times the
/// capacity). ConcurrentDictionary, which cannot evict, adds the key and removes the one added
/// <see cref="Competitors.Capacity"/> calls before: the floor of the two table operations an eviction needs.
/// MemoryCache does not evict on insert: over its size limit it refuses the entry and compacts in the background.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class SetWithEvictionBenchmarks : Competitors
{
    private string[] _keys = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        Build();
        _keys = Enumerable.Range(0, Capacity * 100).Select(i => "key:" + i).ToArray();
        Fill(_keys[..Capacity]);
        _next = Capacity;
    }

    [GlobalCleanup]
    public void Cleanup() => Dispose();

    private int Next()
    {
        int i = _next + 1 == _keys.Length ? 0 : _next + 1;
        _next = i;
        return i;
    }

    [Benchmark(Baseline = true)]
    public void ConcurrentDictionary_add_and_remove()
    {
        int i = Next();
        Dictionary[_keys[i]] = Value;
        Dictionary.TryRemove(_keys[(i + _keys.Length - Capacity) % _keys.Length], out _);
    }

    [Benchmark]
    public void BitFaster_ConcurrentLru() => BitFaster.AddOrUpdate(_keys[Next()], Value);

    [Benchmark]
    public void BitFaster_ConcurrentTLru() => BitFasterTimed.AddOrUpdate(_keys[Next()], Value);

    [Benchmark]
    public void MemoryCache() => Memory.Set(_keys[Next()], Value, MemoryEntry);

    [Benchmark]
    public void AtomicLru() => Atomic.Set(_keys[Next()], Value);

    [Benchmark]
    public void AtomicLru_with_TTL() => AtomicTimed.Set(_keys[Next()], Value);
}
