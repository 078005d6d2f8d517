using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AtomicLru;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// Thousands of random operation sequences run against <see cref="AtomicLruStorage{T}"/> and against
/// <see cref="ReferenceLru"/>, with TTLs and a fake clock: the results must be identical at every step.
/// </summary>
/// <remarks>
/// The clock jumps by up to 100,000 s at once (so entries cascade through every level of the timer wheel).
/// A one-second reclaim timer would fire once per simulated second; instead the timer is set to a day and
/// the test runs the timer's own callback (<c>RunMaintenance</c>) after each jump. The timer itself is
/// tested in <see cref="StorageTests"/> and <c>EngineTests</c>.
/// </remarks>
public sealed class StorageModelCheckTests
{
    private static readonly long?[] TtlChoices = [null, null, -1, 1, 2, 3, 5, 10, 70, 300, 5000, 200_000];
    private static readonly long[] AdvanceChoices = [1, 1, 2, 3, 5, 9, 60, 64, 65, 1000, 4000, 100_000];

    [Theory]
    [InlineData(1, 500)]
    [InlineData(2, 500)]
    [InlineData(3, 500)]
    [InlineData(4, 500)]
    public void Random_sequences_match_the_reference_lru(int seed, int sequences)
    {
        var random = new Random(seed);
        for (int sequence = 0; sequence < sequences; sequence++)
        {
            int? maxItems = random.Next(4) == 0 ? null : random.Next(1, 9);
            long? defaultTtl = random.Next(3) switch { 0 => null, 1 => -1, _ => random.Next(1, 20) };
            int keySpace = random.Next(2, 16);
            RunSequence(random, maxItems, defaultTtl, keySpace, steps: 300, $"seed {seed}, sequence {sequence}");
        }
    }

    private static void RunSequence(Random random, int? maxItems, long? defaultTtl, int keySpace, int steps, string where)
    {
        var time = new FakeTimeProvider();
        var options = new AtomicLruOptions
        {
            MaxItems = maxItems,
            DefaultTtl = defaultTtl switch { null => null, -1 => Timeout.InfiniteTimeSpan, long s => TimeSpan.FromSeconds(s) },
            ExpirationScanFrequency = TimeSpan.FromDays(1),
        };
        using var storage = new AtomicLruStorage<int>(options, time);
        var model = new ReferenceLru(maxItems, defaultTtl);
        var log = new List<string>();

        for (int step = 0; step < steps; step++)
        {
            string key = "k" + random.Next(keySpace);
            int value = random.Next(1000);
            long? ttl = TtlChoices[random.Next(TtlChoices.Length)];
            int op = random.Next(100);
            string context() => $"{where}, step {step} (maxItems {maxItems}, defaultTtl {defaultTtl}); last ops: {string.Join("; ", log.TakeLast(12))}";

            if (op < 35)
            {
                log.Add($"TryGet({key})");
                bool found = storage.TryGet(key, out int actual);
                (bool expectedFound, int expected) = model.TryGet(key);
                Assert.True(expectedFound == found, $"TryGet found {found}, model {expectedFound}: {context()}");
                Assert.True(expected == actual, $"TryGet value {actual}, model {expected}: {context()}");
            }
            else if (op < 65)
            {
                log.Add($"Set({key}, {value}, {ttl})");
                storage.Set(key, value, ToTimeSpan(ttl));
                model.Set(key, value, ttl);
            }
            else if (op < 72)
            {
                log.Add($"GetOrAdd({key}, {value}, {ttl})");
                int actual = storage.GetOrAdd(key, _ => value, ToTimeSpan(ttl));
                Assert.True(model.GetOrAdd(key, value, ttl) == actual, $"GetOrAdd returned {actual}: {context()}");
            }
            else if (op < 80)
            {
                log.Add($"Remove({key})");
                bool removed = storage.Remove(key);
                Assert.True(model.Remove(key) == removed, $"Remove returned {removed}: {context()}");
            }
            else if (op < 86)
            {
                log.Add($"ContainsKey({key})");
                Assert.True(model.ContainsKey(key) == storage.ContainsKey(key), $"ContainsKey: {context()}");
            }
            else if (op < 87)
            {
                log.Add("Clear()");
                storage.Clear();
                model.Clear();
            }
            else
            {
                long seconds = AdvanceChoices[random.Next(AdvanceChoices.Length)];
                log.Add($"Advance({seconds}s)");
                time.Advance(TimeSpan.FromSeconds(seconds));
                storage.Engine.RunMaintenance();
                model.Advance(seconds);
            }

            Assert.True(model.Count == storage.Count, $"Count {storage.Count}, model {model.Count}: {context()}");
            if (maxItems is int max)
            {
                Assert.True(storage.Count <= max, $"Count {storage.Count} over MaxItems: {context()}");
            }
        }

        // The whole recency order, read out by evicting: fill with fresh keys, one at a time, and check
        // that the remaining keys go in exactly the model's order (least recent first).
        AtomicLruStatistics stats = storage.GetStatistics();
        Assert.Equal(model.Hits, stats.Hits);
        Assert.Equal(model.Misses, stats.Misses);
        Assert.Equal(model.CapacityEvictions, stats.CapacityEvictions);
        Assert.Equal(model.Expirations, stats.Expirations);
        Assert.Equal(model.Removals, stats.Removals);
        Assert.Equal(model.Replacements, stats.Replacements);
        Assert.Equal(model.Cleared, stats.ClearedEntries);
        if (maxItems is int limit)
        {
            AssertRecencyOrder(storage, model, limit, where);
        }
    }

    private static void AssertRecencyOrder(AtomicLruStorage<int> storage, ReferenceLru model, int maxItems, string where)
    {
        List<string> expected = model.KeysMostRecentFirst.Reverse().ToList(); // least recent first
        for (int i = 0; i < maxItems; i++)
        {
            storage.Set($"fresh{i}", i, Timeout.InfiniteTimeSpan);
            // After i + 1 fresh keys, the (i + 1 - free slots) least recent old keys must be gone, in order.
            int evicted = Math.Max(0, expected.Count + i + 1 - maxItems);
            for (int j = 0; j < expected.Count; j++)
            {
                bool present = storage.ContainsKey(expected[j]);
                Assert.True(present == (j >= evicted), $"{where}: after {i + 1} fresh keys, {expected[j]} present={present}; order {string.Join(",", expected)}");
            }
        }
    }

    private static TimeSpan? ToTimeSpan(long? ttl) => ttl switch
    {
        null => null,
        -1 => Timeout.InfiniteTimeSpan,
        long seconds => TimeSpan.FromSeconds(seconds),
    };
}
