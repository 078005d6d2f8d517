using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace AtomicLru.Benchmarks.Operations;

/// <summary>
/// In process (no per-suite build), 100 ms iterations, three warm-ups and ten measured iterations, with
/// allocations counted: about five seconds a benchmark, so build/bench.sh --operations stays short.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithIterationTime(TimeInterval.FromMilliseconds(100)));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
