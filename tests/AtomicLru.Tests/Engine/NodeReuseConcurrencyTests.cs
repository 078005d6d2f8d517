using System;
using System.Collections.Generic;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// A write that evicts a plain node reuses it for the key it adds, while lock-free readers may still be on it.
/// These runs make that happen all the time, in a few long hash chains, and check what readers see.
/// </summary>
public sealed class NodeReuseConcurrencyTests
{
    /// <summary>A value that says which key it was stored under.</summary>
    private sealed record Box(int Key);

    /// <summary>Four hash chains for all keys, so a reused node nearly always moves to another chain with readers on it.</summary>
    private sealed class FourChains : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x == y;

        public int GetHashCode(int obj) => obj & 3;
    }

    private const int Stable = 16;
    private const int ChurnFirst = 1000;
    private const int ChurnKeys = 4000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // timed nodes: readers check the expiry too (the fake clock never reaches it)
    public void Readers_never_miss_a_key_that_stays_nor_see_the_value_of_another_key_while_writers_reuse_nodes(bool expires)
    {
        TimeSpan ttl = expires ? TimeSpan.FromHours(1) : Timeout.InfiniteTimeSpan;
        for (int round = 0; round < 4; round++)
        {
            using var engine = new LruEngine<int, Box>(
                maxItems: Stable + 24, maxSize: null, new FakeTimeProvider(), TimeSpan.FromSeconds(1), new FourChains());
            for (int key = 0; key < Stable; key++)
            {
                // Pinned: never evicted, so they stay in their chains behind nodes that are evicted and reused.
                Assert.True(engine.Set(key, new Box(key), Timeout.InfiniteTimeSpan, 1, pinned: true));
            }

            int writersLeft = 2;
            long churnHits = 0;
            Threads.RunAtOnce(4, id =>
            {
                var random = new Random((round * 10) + id);
                if (id < 2)
                {
                    try
                    {
                        for (int i = 0; i < 60_000; i++)
                        {
                            int key = ChurnFirst + random.Next(ChurnKeys);
                            engine.Set(key, new Box(key), ttl, 1); // evicts a churn entry, reusing its node
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref writersLeft); // the readers stop even when a writer fails
                    }

                    return;
                }

                long hits = 0;
                while (Volatile.Read(ref writersLeft) > 0)
                {
                    int stable = random.Next(Stable);
                    Assert.True(engine.TryGet(stable, out Box? kept), $"key {stable} never left, but a reader missed it");
                    Assert.Equal(stable, kept!.Key);
                    Assert.True(engine.ContainsKey(stable), $"key {stable} never left, but ContainsKey said no");

                    int churn = ChurnFirst + random.Next(ChurnKeys);
                    if (engine.TryGet(churn, out Box? got))
                    {
                        Assert.Equal(churn, got!.Key);
                        hits++;
                    }
                }

                Interlocked.Add(ref churnHits, hits);
            });

            engine.CheckInvariants();
            Assert.Equal(Stable + 24, engine.Count);
            Assert.True(churnHits > 0, "readers never hit a churned key: the run shows nothing about reused nodes");
        }
    }
}
