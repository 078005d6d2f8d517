using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// How long one cache line takes to move from one core to another: two threads hand a counter back and forth,
/// each waiting for the other's write. Every write any two threads make to one shared line (a lock word, a
/// recency list's tail, a hash bucket both use) pays this, so it bounds what a second thread can add to any
/// cache whose writes share state; it is printed with the machine so that the two-thread figures can be read.
/// </summary>
internal static class CoreToCore
{
    private const int HandOffs = 1_000_000;

    /// <summary>Nanoseconds for one one-way transfer, the median of five runs; null on one core.</summary>
    public static double? TransferNanoseconds()
    {
        if (System.Environment.ProcessorCount < 2)
        {
            return null;
        }

        return Enumerable.Range(0, 5).Select(_ => Measure()).Order().ElementAt(2);
    }

    private static double Measure()
    {
        var line = new PaddedCounter();
        var partner = new Thread(() =>
        {
            for (long i = 1; i <= HandOffs; i++)
            {
                while (Volatile.Read(ref line.Value) != (2 * i) - 1)
                {
                }

                Volatile.Write(ref line.Value, 2 * i);
            }
        });
        partner.Start();
        long clock = Stopwatch.GetTimestamp();
        for (long i = 1; i <= HandOffs; i++)
        {
            Volatile.Write(ref line.Value, (2 * i) - 1);
            while (Volatile.Read(ref line.Value) != 2 * i)
            {
            }
        }

        double elapsed = Stopwatch.GetElapsedTime(clock).TotalNanoseconds;
        partner.Join();
        return elapsed / (2.0 * HandOffs);
    }

    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private sealed class PaddedCounter
    {
        [FieldOffset(64)]
        public long Value;
    }
}
