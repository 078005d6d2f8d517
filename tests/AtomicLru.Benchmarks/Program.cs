using System;
using System.IO;
using System.Linq;
using AtomicLru.Benchmarks.Operations;
using AtomicLru.Benchmarks.SideBySide;
using BenchmarkDotNet.Running;

// build/bench.sh runs `all` and writes docs/benchmarks/side-by-side.md and .svg. By hand:
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- all [chart folder]   every side-by-side section
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- latency [names] | zipf | churn | ttl | hitratio [traces] | tinylfu [traces] | tinylfu-speed | tinylfu-model [traces] | bytes | memory | cores
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- multinode <redis address>   (build/bench.sh multinode starts one)
// dotnet run -c Release --project tests/AtomicLru.Benchmarks -- --filter '*'          BenchmarkDotNet suites
switch (args.FirstOrDefault())
{
    case "all":
        Header();
        HitLatency.Run();
        ZipfThroughput.Run();
        WriteChurn.Run();
        TtlChurn.Run();
        BytesPerEntry.Run();
        HitRatio.Run(null);
        Report.WriteSvg(Path.Combine(args.ElementAtOrDefault(1) ?? ".", "side-by-side.svg"), MachineLine());
        return;
    case "latency": HitLatency.Run(args.ElementAtOrDefault(1)?.Split(',')); return; // optional: candidate names, comma-separated, the baseline first
    case "cores": Report.Line($"{CoreToCore.TransferNanoseconds():F0} ns per core-to-core cache line transfer"); return;
    case "zipf": ZipfThroughput.Run(); return;
    case "churn": WriteChurn.Run(); return;
    case "ttl": TtlChurn.Run(); return;
    case "bytes": BytesPerEntry.Run(); return;
    case "hitratio": HitRatio.Run(args.ElementAtOrDefault(1)); return;
    case "tinylfu": TinyLfuStudy.Run(args.ElementAtOrDefault(1)); return;
    case "tinylfu-speed": TinyLfuStudy.RunSpeed(); return;
    case "tinylfu-model": TinyLfuStudy.RunModel(args.ElementAtOrDefault(1)); return;
    case "memory": MemoryFootprint.Run(); return;
    case "multinode": await AtomicLru.Benchmarks.MultiNode.MultiNodeBench.RunAsync(args.ElementAtOrDefault(1) ?? throw new ArgumentException("multinode needs a Redis address, e.g. 127.0.0.1:6379")); return;
}

BenchmarkSwitcher.FromAssembly(typeof(AtomicLru.Benchmarks.Operations.HotKeyBenchmarks).Assembly).Run(args);
Console.Out.Flush();

static void Header()
{
    Report.Line("# AtomicLru side by side");
    Report.Line();
    Report.Line($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `build/bench.sh`. {MachineLine()}.");
    if (CoreToCore.TransferNanoseconds() is double transfer)
    {
        Report.Line($"A cache line takes {transfer:F0} ns to move from one core to another here (two threads handing a counter back and forth, median of five runs of a million hand-offs): every write two threads make to shared state pays it.");
    }

    Report.Line("Candidates run in one process, interleaved round by round (the order reversed every other round); figures are medians; ratios are taken within each round, then the median over rounds; every candidate is called through the same interface.");
    Report.Line();
}

static string MachineLine()
{
    string cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";
    double memoryGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
    return $"{cpu}, {Environment.ProcessorCount} cores, {memoryGiB:F0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}";
}
