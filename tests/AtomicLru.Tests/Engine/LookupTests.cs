using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>Lookups through the engine: keys of any type with their own equality, a table grown to a million entries.</summary>
public sealed class LookupTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Keys_that_are_not_strings_work_with_their_own_equality()
    {
        using var engine = new LruEngine<(int, string), string>(3, null, _time, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 1000; i++)
        {
            engine.Set((i, "x"), "v" + i, System.Threading.Timeout.InfiniteTimeSpan, 0);
        }

        Assert.Equal(3, engine.Count);
        Assert.True(engine.TryGet((999, "x"), out string? value));
        Assert.Equal("v999", value);
        Assert.False(engine.TryGet((996, "x"), out _));

        using var caseless = new LruEngine<string, int>(null, null, _time, TimeSpan.FromSeconds(1), StringComparer.OrdinalIgnoreCase);
        caseless.Set("Key", 1, System.Threading.Timeout.InfiniteTimeSpan, 0);
        Assert.True(caseless.TryGet("KEY", out int one));
        Assert.Equal(1, one);
    }

    [Fact]
    public void The_table_grows_to_a_million_entries_and_finds_every_one()
    {
        using var engine = new LruEngine<int, int>(null, null, _time, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 1_000_000; i++)
        {
            engine.Set(i * 7919, i, System.Threading.Timeout.InfiniteTimeSpan, 0);
        }

        Assert.Equal(1_000_000, engine.Count);
        Assert.All(Enumerable.Range(0, 1_000_000).Where(i => i % 997 == 0), i =>
        {
            Assert.True(engine.TryGet(i * 7919, out int value));
            Assert.Equal(i, value);
        });
    }

    [Theory]
    [InlineData(AtomicLruEvictionPolicy.Lru)]
    [InlineData(AtomicLruEvictionPolicy.TinyLfu)]
    public void A_node_reused_for_another_key_while_a_lookup_compared_it_is_not_taken_for_the_key(AtomicLruEvictionPolicy policy)
    {
        // The key comparer runs inside the lookup, after the node's stamp was read: there it stores another key, which
        // evicts the looked-up key and reuses its node (the limit is one entry). The lookup must notice the new stamp
        // and look again, finding nothing, rather than answer with the other key's node.
        var comparer = new HookedComparer();
        using var engine = new LruEngine<int, string>(1, null, _time, TimeSpan.FromSeconds(1), comparer, evictionPolicy: policy);
        engine.Set(1, "one", Timeout.InfiniteTimeSpan, 0);
        comparer.OnNextEquals = () => Assert.True(engine.Set(2, "two", Timeout.InfiniteTimeSpan, 0));
        Assert.False(engine.TryGet(1, out string? value), $"key 1 was evicted during its lookup, yet it read {value}");
        Assert.True(engine.TryGet(2, out value));
        Assert.Equal("two", value);

        comparer.OnNextEquals = () => Assert.True(engine.Set(3, "three", Timeout.InfiniteTimeSpan, 0));
        Assert.False(engine.ContainsKey(2), "key 2 was evicted during its lookup, yet it was found");
        Assert.True(engine.ContainsKey(3));
        Assert.Null(comparer.OnNextEquals); // the hook ran, in both lookups
        engine.CheckInvariants();
    }

    [Fact]
    public void A_key_snapshot_waits_for_a_write_in_progress()
    {
        // A snapshot walks the recency order, which only the lock's holder may touch: it must wait for a write.
        using var engine = new LruEngine<string, string>(null, null, _time, TimeSpan.FromSeconds(1));
        engine.Set("a", "v", Timeout.InfiniteTimeSpan, 0);
        List<string>? keys = null;
        Assert.False(engine.Policy.EnterWrite());
        var snapshot = new Thread(() => Volatile.Write(ref keys, engine.SnapshotKeys())) { IsBackground = true };
        try
        {
            snapshot.Start();
            var spinner = new SpinWait();
            while (!engine.Policy.HasWaiter && Volatile.Read(ref keys) is null)
            {
                spinner.SpinOnce();
            }

            Assert.Null(Volatile.Read(ref keys)); // it waited rather than finished
        }
        finally
        {
            engine.Policy.Exit();
        }

        Assert.True(snapshot.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(["a"], keys);
    }

    /// <summary>Equality of ints that runs a step, once, the next time it compares two keys.</summary>
    private sealed class HookedComparer : IEqualityComparer<int>
    {
        public Action? OnNextEquals { get; set; }

        public bool Equals(int x, int y)
        {
            Action? step = OnNextEquals;
            OnNextEquals = null; // once, and not again for the writes the step makes
            step?.Invoke();
            return x == y;
        }

        public int GetHashCode(int obj) => obj;
    }
}
