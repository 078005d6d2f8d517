using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;

namespace AtomicLru.Tests;

/// <summary>Runs a body on many threads that start together, and rethrows whatever any of them threw.</summary>
internal static class Threads
{
    internal static void RunAtOnce(int threads, Action<int> body)
    {
        using var start = new Barrier(threads);
        var errors = new ConcurrentQueue<Exception>();
        Thread[] workers = Enumerable.Range(0, threads).Select(id => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body(id);
            }
            catch (Exception ex)
            {
                errors.Enqueue(ex);
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        if (!errors.IsEmpty)
        {
            throw new AggregateException(errors);
        }
    }

    /// <summary>
    /// Runs <paramref name="dispose"/> on one thread while another calls <paramref name="operation"/> (given its
    /// index) up to 16 times; an <see cref="ObjectDisposedException"/> ends the calls, any other exception fails.
    /// </summary>
    internal static void RaceWithDispose(Action dispose, Action<int> operation)
    {
        RunAtOnce(2, id =>
        {
            if (id == 0)
            {
                dispose();
                return;
            }

            for (int i = 0; i < 16; i++)
            {
                try
                {
                    operation(i);
                }
                catch (ObjectDisposedException)
                {
                    return; // refused: the only exception a call racing Dispose may get
                }
            }
        });
    }
}
