using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// Many threads hammer one storage; invariants are checked at every observation and afterwards.
/// Each test repeats its run so that rare interleavings get a chance to happen.
/// </summary>
public sealed class StorageConcurrencyTests
{
    /// <summary>A value that says which key it was written for, by whom, and in what order.</summary>
    private sealed record Stamp(int Key, int Writer, long Sequence);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Mixed_operations_keep_the_bounds_and_never_return_a_value_of_another_key(int threads)
    {
        const int maxItems = 64;
        const int keySpace = 256;
        const int operationsPerThread = 100_000;
        using var storage = new AtomicLruStorage<Stamp>(new AtomicLruOptions { MaxItems = maxItems });
        long reads = 0;

        Threads.RunAtOnce(threads, id =>
        {
            var random = new Random(id);
            long localReads = 0;
            for (long i = 0; i < operationsPerThread; i++)
            {
                int key = random.Next(keySpace);
                string name = "k" + key;
                switch (random.Next(10))
                {
                    case < 5:
                        localReads++;
                        if (storage.TryGet(name, out Stamp? stamp))
                        {
                            Assert.Equal(key, stamp.Key);
                        }

                        break;
                    case < 8:
                        storage.Set(name, new Stamp(key, id, i));
                        int count = storage.Count;
                        Assert.True(count <= maxItems, $"Count {count} > MaxItems after Set returned");
                        break;
                    case 8:
                        storage.Remove(name);
                        break;
                    default:
                        localReads++;
                        Stamp got = storage.GetOrAdd(name, _ => new Stamp(key, id, i));
                        Assert.Equal(key, got.Key);
                        break;
                }
            }

            Interlocked.Add(ref reads, localReads);
        });

        storage.Engine.CheckInvariants();
        Assert.True(storage.Count <= maxItems);
        int present = Enumerable.Range(0, keySpace).Count(k => storage.ContainsKey("k" + k));
        Assert.Equal(storage.Count, present);
        AtomicLruStatistics stats = storage.GetStatistics();
        Assert.Equal(reads, stats.Hits + stats.Misses);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Values_of_a_key_are_seen_in_write_order_and_no_update_is_lost(int threads)
    {
        // Each writer owns its keys and writes increasing sequence numbers; every thread also reads
        // everybody's keys and must never see a key's sequence go backwards (reference values are
        // updated in place: this checks that a reader never sees an older value after a newer one).
        const int keysPerThread = 32;
        const int writesPerThread = 100_000;
        using var storage = new AtomicLruStorage<Stamp>(new AtomicLruOptions());
        int keySpace = keysPerThread * threads;

        Threads.RunAtOnce(threads, id =>
        {
            var random = new Random(id);
            long[] lastSeen = new long[keySpace];
            Array.Fill(lastSeen, -1);
            for (long i = 0; i < writesPerThread; i++)
            {
                int own = (id * keysPerThread) + (int)(i % keysPerThread);
                storage.Set("k" + own, new Stamp(own, id, i));

                int other = random.Next(keySpace);
                if (storage.TryGet("k" + other, out Stamp? stamp))
                {
                    Assert.Equal(other, stamp.Key);
                    Assert.True(stamp.Sequence >= lastSeen[other], $"key {other} went back from {lastSeen[other]} to {stamp.Sequence}");
                    lastSeen[other] = stamp.Sequence;
                }
            }
        });

        storage.Engine.CheckInvariants();
        for (int key = 0; key < keySpace; key++)
        {
            int writer = key / keysPerThread;
            long last = writesPerThread - keysPerThread + (key % keysPerThread);
            Assert.True(storage.TryGet("k" + key, out Stamp? stamp));
            Assert.Equal(new Stamp(key, writer, last), stamp);
        }
    }

    [Fact]
    public void Value_type_values_are_never_torn_under_concurrent_overwrites()
    {
        // A 32-byte struct cannot be written atomically; overwrites of value types replace the node,
        // so a reader sees either the old value or the new one, whole.
        using var storage = new AtomicLruStorage<(long A, long B, long C, long D)>(new AtomicLruOptions { MaxItems = 16 });
        Threads.RunAtOnce(4, id =>
        {
            var random = new Random(id);
            for (long i = 0; i < 100_000; i++)
            {
                string key = "k" + random.Next(24);
                if (id % 2 == 0)
                {
                    storage.Set(key, (i, i, i, i));
                }
                else if (storage.TryGet(key, out var value))
                {
                    Assert.True(value.A == value.B && value.B == value.C && value.C == value.D, $"torn value {value}");
                }
            }
        });

        storage.Engine.CheckInvariants();
    }

    [Fact]
    public void Readers_never_miss_a_stable_key_while_writers_grow_and_shrink_the_table()
    {
        // Lookups run without a lock while the writer's inserts resize the hash table (relinking every
        // chain) and its removals unlink nodes: a key that stays in the table must always be found.
        for (int round = 0; round < 5; round++)
        {
            using var storage = new AtomicLruStorage<string>(new AtomicLruOptions());
            const int stable = 200;
            for (int i = 0; i < stable; i++)
            {
                storage.Set("stable" + i, "s" + i);
            }

            int writerDone = 0;
            Threads.RunAtOnce(4, id =>
            {
                if (id == 0)
                {
                    try
                    {
                        for (int i = 0; i < 200_000; i++)
                        {
                            storage.Set("churn" + i, "c");
                            if (i % 3 == 0)
                            {
                                storage.Remove("churn" + (i / 2));
                            }
                        }
                    }
                    finally
                    {
                        Volatile.Write(ref writerDone, 1); // the readers stop even when the writer fails
                    }

                    return;
                }

                var random = new Random(id);
                while (Volatile.Read(ref writerDone) == 0)
                {
                    int k = random.Next(stable);
                    Assert.True(storage.TryGet("stable" + k, out string? value), $"stable{k} missed during a resize");
                    Assert.Equal("s" + k, value);
                }
            });

            storage.Engine.CheckInvariants();
        }
    }

    [Fact]
    public void Concurrent_clears_removes_and_expiry_leave_consistent_structures()
    {
        var time = new FakeTimeProvider();
        using var storage = new AtomicLruStorage<Stamp>(new AtomicLruOptions { MaxItems = 100, DefaultTtl = TimeSpan.FromSeconds(3) }, time);
        Threads.RunAtOnce(4, id =>
        {
            var random = new Random(id);
            for (int i = 0; i < 100_000; i++)
            {
                int key = random.Next(300);
                switch (random.Next(100))
                {
                    case 0 when id == 0:
                        storage.Clear();
                        break;
                    case < 3 when id == 1:
                        time.Advance(TimeSpan.FromMilliseconds(700));
                        break;
                    case < 50:
                        storage.Set("k" + key, new Stamp(key, id, i), random.Next(3) == 0 ? TimeSpan.FromSeconds(random.Next(1, 100)) : null);
                        Assert.True(storage.Count <= 100);
                        break;
                    case < 60:
                        storage.Remove("k" + key);
                        break;
                    default:
                        if (storage.TryGet("k" + key, out Stamp? stamp))
                        {
                            Assert.Equal(key, stamp.Key);
                        }

                        break;
                }
            }
        });

        storage.Engine.CheckInvariants();
        time.Advance(TimeSpan.FromSeconds(200));
        Assert.Equal(0, storage.Count);
        storage.Engine.CheckInvariants();
    }
}
