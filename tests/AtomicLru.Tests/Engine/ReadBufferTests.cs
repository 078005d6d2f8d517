using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// The read buffer's two kinds of stripe: one owned by a single thread (plain stores) and shared ones (atomic).
/// More live threads than there are stripes force both kinds to be used at once.
/// </summary>
public sealed class ReadBufferTests
{
    /// <summary>More than twice the most stripes any machine gets (64), so that many threads must share.</summary>
    private const int ManyThreads = 130;

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Under_many_threads_on_owned_and_shared_stripes_every_hit_and_miss_is_counted_once()
    {
        const int readsPerThread = 2_000;
        for (int run = 0; run < 5; run++)
        {
            using var engine = new LruEngine<string, string>(64, null, _time, TimeSpan.FromSeconds(1));
            for (int k = 0; k < 32; k++)
            {
                engine.Set("k" + k, "v", Timeout.InfiniteTimeSpan, 1);
            }

            Threads.RunAtOnce(ManyThreads, id =>
            {
                for (int i = 0; i < readsPerThread; i++)
                {
                    Assert.True(engine.TryGet("k" + ((id + i) % 32), out _));
                    Assert.False(engine.TryGet("missing", out _));
                    Assert.True(engine.TryGetUncounted("k" + (i % 32), out _)); // claims slots, counts nothing
                    if (i % 500 == 0)
                    {
                        engine.Set("k" + (i % 32), "w", Timeout.InfiniteTimeSpan, 1); // a write drains every stripe
                    }
                }
            });

            EngineCounters counters = engine.GetCounters();
            Assert.Equal((long)ManyThreads * readsPerThread, counters.Hits);
            Assert.Equal((long)ManyThreads * readsPerThread, counters.Misses);
            engine.CheckInvariants();
        }
    }

    [Theory]
    [InlineData(AtomicLruEvictionPolicy.Lru)]
    [InlineData(AtomicLruEvictionPolicy.TinyLfu)]
    public void One_thread_reading_more_keys_than_a_stripe_holds_between_writes_loses_no_read(AtomicLruEvictionPolicy policy)
    {
        // Sequential use: every read must reach the order before the next write evicts, however many come between
        // writes. Three stripes' worth and one more: the stripe fills, its reader replays it, and fills again.
        const int read = (3 * ReadBuffer<string, string>.StripeCapacity) + 1;
        const int unread = 20;
        using var engine = new LruEngine<string, string>(read + unread, null, _time, TimeSpan.FromSeconds(1), evictionPolicy: policy);
        for (int k = 0; k < read + unread; k++)
        {
            engine.Set("k" + k, "v", Timeout.InfiniteTimeSpan, 1);
        }

        for (int k = 0; k < read; k++)
        {
            Assert.True(engine.TryGet("k" + k, out _));
        }

        for (int k = 0; k < unread; k++)
        {
            engine.Set("new" + k, "v", Timeout.InfiniteTimeSpan, 1);
        }

        if (policy == AtomicLruEvictionPolicy.Lru)
        {
            Assert.All(Enumerable.Range(0, read), k => Assert.True(engine.ContainsKey("k" + k), $"k{k} was read, yet evicted"));
            Assert.All(Enumerable.Range(read, unread), k => Assert.False(engine.ContainsKey("k" + k), $"k{k} was never read, yet kept"));
        }
        else
        {
            // TinyLfu: a read of a probation entry promotes it, so every key read is protected, and main's victims were
            // taken from probation: the keys never read.
            Assert.All(Enumerable.Range(0, read), k => Assert.True(engine.ContainsKey("k" + k), $"k{k} was read, yet evicted"));
        }

        engine.CheckInvariants();
    }

    [Fact]
    public void Reads_taken_in_turn_by_many_live_threads_all_reach_the_lru_order_before_a_write_evicts()
    {
        // Every thread stays alive until all have read, so each has its own managed thread id: most of them
        // cannot own a stripe and record on a shared one. The reads happen one after another (sequential
        // use), so none may be lost: the unread keys must be the ones evicted.
        const int unread = 20;
        using var engine = new LruEngine<string, string>(ManyThreads + unread, null, _time, TimeSpan.FromSeconds(1));
        for (int k = 0; k < ManyThreads + unread; k++)
        {
            engine.Set("k" + k, "v", Timeout.InfiniteTimeSpan, 1);
        }

        SemaphoreSlim[] turns = Enumerable.Range(0, ManyThreads + 1).Select(_ => new SemaphoreSlim(0)).ToArray();
        using var release = new ManualResetEventSlim();
        var errors = new ConcurrentQueue<Exception>();
        Thread[] readers = Enumerable.Range(0, ManyThreads).Select(id => new Thread(() =>
        {
            try
            {
                turns[id].Wait();
                Assert.True(engine.TryGet("k" + id, out _));
                turns[id + 1].Release();
                release.Wait();
            }
            catch (Exception ex)
            {
                errors.Enqueue(ex);
                turns[id + 1].Release();
            }
        })).ToArray();
        foreach (Thread reader in readers)
        {
            reader.Start();
        }

        turns[0].Release();
        turns[ManyThreads].Wait();
        for (int k = 0; k < unread; k++)
        {
            engine.Set("new" + k, "v", Timeout.InfiniteTimeSpan, 1);
        }

        release.Set();
        foreach (Thread reader in readers)
        {
            reader.Join();
        }

        Assert.Empty(errors);
        Assert.All(Enumerable.Range(0, ManyThreads), k => Assert.True(engine.ContainsKey("k" + k), $"k{k} was read, yet evicted"));
        Assert.All(Enumerable.Range(ManyThreads, unread), k => Assert.False(engine.ContainsKey("k" + k), $"k{k} was never read, yet kept"));
        foreach (SemaphoreSlim turn in turns)
        {
            turn.Dispose();
        }
    }
}
