using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>Hits, misses and sizes add up exactly, up to the largest size a node can carry.</summary>
public sealed class AccountingTests
{
    private readonly FakeTimeProvider _time = new();

    private LruEngine<string, string> Create(int? maxItems, RecordingListener listener)
        => new(maxItems, maxSize: null, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, listener);

    [Fact]
    public void Hits_count_every_counted_read_and_no_uncounted_one_through_many_full_stripes()
    {
        // A hit is counted by the read-buffer slot it claims; reads that count as no hit claim slots too.
        using var engine = new LruEngine<string, string>(10, null, _time, TimeSpan.FromSeconds(1));
        engine.Set("a", "1", Timeout.InfiniteTimeSpan, 1);
        engine.Set("b", "2", Timeout.InfiniteTimeSpan, 1);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(engine.TryGet(i % 2 == 0 ? "a" : "b", out _));
            Assert.True(engine.Refresh("a"));
            Assert.True(engine.TryGetUncounted("b", out _));
            Assert.False(engine.TryGet("missing", out _));
            if (i % 100 == 0)
            {
                engine.Set("c", "3", Timeout.InfiniteTimeSpan, 1); // a write drains every stripe
            }
        }

        EngineCounters counters = engine.GetCounters();
        Assert.Equal(1000, counters.Hits);
        Assert.Equal(1000, counters.Misses);
    }

    [Fact]
    public void Size_accounting_stays_exact_across_overwrites_and_evictions()
    {
        using var engine = new LruEngine<string, byte[]>(null, maxSize: 1000, _time, TimeSpan.FromSeconds(1));
        var random = new Random(3);
        for (int i = 0; i < 20_000; i++)
        {
            int size = random.Next(1, 400);
            engine.Set("k" + random.Next(50), new byte[size], System.Threading.Timeout.InfiniteTimeSpan, size);
            Assert.True(engine.Size <= 1000);
        }

        engine.CheckInvariants(); // the sum of node sizes equals Size
        engine.Clear();
        Assert.Equal(0, engine.Size);
    }

    [Fact]
    public void A_size_of_up_to_two_to_the_56th_less_one_is_kept_whole_beside_the_node_kind_and_pin_and_a_larger_one_is_refused()
    {
        var listener = new RecordingListener();
        using var engine = Create(maxItems: null, listener);
        long largest = (1L << 56) - 1;

        Assert.True(engine.Set("plain", "p", System.Threading.Timeout.InfiniteTimeSpan, largest, pinned: true));
        Assert.True(engine.Set("timed", "t", TimeSpan.FromMinutes(1), 7));
        Assert.True(engine.Set("sliding", "s", TimeSpan.FromMinutes(1), 3, sliding: TimeSpan.FromSeconds(10), pinned: true));
        Assert.True(engine.Set("timed", "t2", TimeSpan.FromMinutes(2), largest - 20)); // in place: size changes, kind stays
        Assert.Equal(largest + largest - 20 + 3, engine.Size);
        engine.CheckInvariants(); // each node's kind matches its class, the pinned count matches the nodes, sizes add up

        Assert.False(engine.Set("huge", "h", System.Threading.Timeout.InfiniteTimeSpan, 1L << 56));
        Assert.False(engine.Set("plain", "p2", System.Threading.Timeout.InfiniteTimeSpan, long.MaxValue));
        Assert.Equal(("huge", "h", RemovalReason.Oversized), listener.Removals[^3]);
        Assert.Equal(("plain", "p", RemovalReason.Replaced), listener.Removals[^2]); // a stale value is worse than a miss
        Assert.Equal(("plain", "p2", RemovalReason.Oversized), listener.Removals[^1]);
        Assert.Equal([largest - 20 + 3, largest, long.MaxValue], [engine.Size, listener.Sizes[^2], listener.Sizes[^1]]);
        Assert.False(engine.TryGet("huge", out _));
        engine.CheckInvariants();
    }
}
