using System;
using System.Buffers;
using AtomicLru;
using AtomicLru.Extensions;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AtomicLru.Benchmarks.Operations;

/// <summary>
/// IDistributedCache reads and writes of a 1 KB value: AtomicLru against MemoryDistributedCache, and the
/// IBufferDistributedCache paths, which should allocate nothing (reads) or only the stored payload (writes).
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class DistributedCacheBenchmarks
{
    private readonly DistributedCacheEntryOptions _options = new();
    private readonly ArrayBufferWriter<byte> _writer = new(4096);
    private byte[] _value = [];
    private ReadOnlySequence<byte> _sequence;
    private AtomicLruDistributedCache _atomic = null!;
    private MemoryDistributedCache _memory = null!;

    [GlobalSetup]
    public void Setup()
    {
        _value = new byte[1024];
        Random.Shared.NextBytes(_value);
        _sequence = new ReadOnlySequence<byte>(_value);
        _atomic = new AtomicLruDistributedCache(new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 256L * 1024 * 1024 }));
        _memory = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        for (int i = 0; i < 10_000; i++)
        {
            _atomic.Set("key" + i, _value, _options);
            _memory.Set("key" + i, _value, _options);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _atomic.Cache.Dispose();
    }

    [Benchmark(Baseline = true)]
    public byte[]? MemoryDistributedCache_Get() => _memory.Get("key42");

    [Benchmark]
    public byte[]? AtomicLru_Get() => _atomic.Get("key42");

    [Benchmark]
    public bool AtomicLru_TryGet_into_buffer()
    {
        _writer.ResetWrittenCount();
        return _atomic.TryGet("key42", _writer);
    }

    [Benchmark]
    public void MemoryDistributedCache_Set() => _memory.Set("key42", _value, _options);

    [Benchmark]
    public void AtomicLru_Set() => _atomic.Set("key42", _value, _options);

    [Benchmark]
    public void AtomicLru_Set_sequence() => _atomic.Set("key42", _sequence, _options);
}
