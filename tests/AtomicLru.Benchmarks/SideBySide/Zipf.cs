using System;
using System.Linq;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>Zipf-distributed key indexes, reproducible from a seed.</summary>
internal static class Zipf
{
    /// <summary>
    /// <paramref name="count"/> draws from ranks 0..n-1 with probability proportional to 1/(rank+1)^s, the
    /// ranks then scattered over the key space so that the hottest keys are not neighbours in memory.
    /// </summary>
    internal static int[] Sample(double s, int n, int count, int seed)
    {
        var random = new Random(seed);
        var cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, s);
            cdf[k] = sum;
        }

        var sample = new int[count];
        for (int i = 0; i < count; i++)
        {
            int index = Array.BinarySearch(cdf, random.NextDouble() * sum);
            sample[i] = Math.Min(index < 0 ? ~index : index, n - 1);
        }

        int[] shuffle = Enumerable.Range(0, n).ToArray();
        random.Shuffle(shuffle);
        for (int i = 0; i < count; i++)
        {
            sample[i] = shuffle[sample[i]];
        }

        return sample;
    }
}
