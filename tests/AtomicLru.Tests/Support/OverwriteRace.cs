using System;
using System.Threading;

namespace AtomicLru.Tests;

/// <summary>
/// One writer overwrites a key that is present throughout while readers read it; a read that misses it, or
/// returns a value that does not belong to it, is a broken cache however rare. Counts both.
/// </summary>
internal static class OverwriteRace
{
    /// <summary>What the readers saw.</summary>
    internal readonly record struct Outcome(long Reads, long Misses, long WrongValues);

    /// <summary>
    /// Runs <paramref name="overwrite"/> at least <paramref name="writes"/> times (given the write's index) on one thread
    /// while <paramref name="readers"/> threads call <paramref name="read"/> until the writer is done. A read returns true on
    /// a hit with the right value, false on a miss, and throws on a wrong value.
    /// </summary>
    internal static Outcome Run(int writes, Action<int> overwrite, Func<ReadResult> read, int readers = 1)
    {
        int writing = 1;
        long reads = 0, misses = 0, wrong = 0, readsSoFar = 0;
        Threads.RunAtOnce(1 + readers, id =>
        {
            if (id == 0)
            {
                try
                {
                    // At least `writes` writes, and on until the readers have read a tenth as often: on a busy machine
                    // the readers may be scheduled late, and a run they sat out would show nothing.
                    for (int i = 0; i < writes || (Volatile.Read(ref readsSoFar) < writes / 10 && i < 100 * writes); i++)
                    {
                        overwrite(i);
                    }
                }
                finally
                {
                    Volatile.Write(ref writing, 0);
                }

                return;
            }

            long myReads = 0, myMisses = 0, myWrong = 0;
            do
            {
                ReadResult result = read();
                myMisses += result == ReadResult.Miss ? 1 : 0;
                myWrong += result == ReadResult.WrongValue ? 1 : 0;
                if ((++myReads & 255) == 0)
                {
                    Interlocked.Add(ref readsSoFar, 256);
                }
            }
            while (Volatile.Read(ref writing) == 1);

            Interlocked.Add(ref reads, myReads);
            Interlocked.Add(ref misses, myMisses);
            Interlocked.Add(ref wrong, myWrong);
        });
        return new Outcome(reads, misses, wrong);
    }

    /// <summary>Asserts that every read hit its key's value, and that the readers really overlapped the writer.</summary>
    internal static void AssertNoneMissed(Outcome outcome, int writes)
    {
        Assert.True(outcome.Reads > writes / 10, $"only {outcome.Reads} reads during {writes} writes: the run shows nothing");
        Assert.True(outcome.Misses == 0 && outcome.WrongValues == 0,
            $"{outcome.Misses} of {outcome.Reads} reads missed a key present throughout, {outcome.WrongValues} returned another value");
    }
}

/// <summary>What one read of an <see cref="OverwriteRace"/> saw.</summary>
internal enum ReadResult
{
    Hit,
    Miss,
    WrongValue,
}
