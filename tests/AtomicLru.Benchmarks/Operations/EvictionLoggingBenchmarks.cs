using AtomicLru;
using AtomicLru.Extensions.Logging;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace AtomicLru.Benchmarks.Operations;

/// <summary>
/// A write that evicts, with eviction logging whose level is off against no logging at all: the two must
/// allocate the same (the payload and the node) and cost about the same.
/// </summary>
[MemoryDiagnoser]
public class EvictionLoggingBenchmarks
{
    private readonly byte[] _value = new byte[100];
    private string[] _keys = [];
    private int _next;
    private AtomicLruCache _plain = null!;
    private AtomicLruCache _logged = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keys = new string[1024];
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i] = "key:" + i;
        }

        var options = new AtomicLruOptions { MaxItems = 256 };
        _plain = new AtomicLruCache(options);
        _logged = new AtomicLruCache(options, null, null, new LoggingRemovalListener<string, byte[]>(NullLogger.Instance, "bench", logKeys: true, static p => p.Length));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _logged.Dispose();
    }

    private string NextKey() => _keys[_next++ & 1023];

    [Benchmark(Baseline = true)]
    public void Evicting_set_without_logging() => _plain.SetBytes(NextKey(), _value);

    [Benchmark]
    public void Evicting_set_with_logging_off() => _logged.SetBytes(NextKey(), _value);
}
