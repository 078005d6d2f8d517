using System;
using System.Linq;
using AtomicLru.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- memory        side-by-side heap footprint
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- hitratio      hit ratio on ../shared/traces
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- bytes         bytes per entry at 1,000,000 entries
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- zipf          Zipf get-or-set throughput, 1 thread and all cores
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- --filter '*'  BenchmarkDotNet suites
if (args.FirstOrDefault() == "memory")
{
    MemoryFootprint.Run();
    return;
}

if (args.FirstOrDefault() == "zipf")
{
    ZipfThroughput.Run();
    return;
}

if (args.FirstOrDefault() == "bytes")
{
    BytesPerEntry.Run();
    return;
}

if (args.FirstOrDefault() == "hitratio")
{
    HitRatio.Run(args.Skip(1).FirstOrDefault());
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(DistributedCacheBenchmarks).Assembly).Run(args);
Console.Out.Flush();
