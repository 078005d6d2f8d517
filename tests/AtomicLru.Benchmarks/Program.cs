using System;
using System.Linq;
using AtomicLru.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- memory        side-by-side heap footprint
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- --filter '*'  BenchmarkDotNet suites
if (args.FirstOrDefault() == "memory")
{
    MemoryFootprint.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(DistributedCacheBenchmarks).Assembly).Run(args);
Console.Out.Flush();
