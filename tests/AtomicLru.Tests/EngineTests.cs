using System;
using System.Threading;
using System.Collections.Generic;
using System.Linq;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>The engine under the faces: notifications, expiry across the wheel's levels, keys that are not strings.</summary>
public sealed class EngineTests
{
    private sealed class RecordingListener : IRemovalListener<string, string>
    {
        public List<(string Key, string Value, RemovalReason Reason)> Removals { get; } = [];

        public List<long> Sizes { get; } = [];

        public Action<string>? OnRemovedCallback { get; set; }

        public void OnRemoved(string key, string value, long size, RemovalReason reason)
        {
            Removals.Add((key, value, reason));
            Sizes.Add(size);
            OnRemovedCallback?.Invoke(key);
        }
    }

    private readonly FakeTimeProvider _time = new();

    private LruEngine<string, string> Create(int? maxItems, RecordingListener listener)
        => new(maxItems, maxSize: null, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, listener);

    [Fact]
    public void Every_removal_is_reported_once_with_its_reason()
    {
        var listener = new RecordingListener();
        using var engine = Create(maxItems: 2, listener);

        engine.Set("a", "a1", TimeSpan.FromSeconds(5), 0);
        engine.Set("a", "a2", System.Threading.Timeout.InfiniteTimeSpan, 0); // replaces a1
        engine.Set("b", "b1", TimeSpan.FromSeconds(5), 0);
        engine.Set("c", "c1", System.Threading.Timeout.InfiniteTimeSpan, 0); // evicts a (least recent)
        engine.Remove("c");                                                   // removed
        _time.Advance(TimeSpan.FromSeconds(6));                               // b expires, reclaimed by the timer
        engine.Set("d", "d1", System.Threading.Timeout.InfiniteTimeSpan, 0);
        engine.Clear();                                                       // d cleared

        Assert.Equal(
            [("a", "a1", RemovalReason.Replaced), ("a", "a2", RemovalReason.Capacity), ("c", "c1", RemovalReason.Removed),
             ("b", "b1", RemovalReason.Expired), ("d", "d1", RemovalReason.Cleared)],
            listener.Removals);
        EngineCounters counters = engine.GetCounters();
        Assert.Equal((1, 1, 1, 1, 1), (counters.Replacements, counters.CapacityEvictions, counters.Removals, counters.Expirations, counters.ClearedEntries));
    }

    [Fact]
    public void Every_removal_reports_what_the_entry_was_charged_and_a_refused_write_what_it_would_have_been()
    {
        var listener = new RecordingListener();
        using var engine = new LruEngine<string, string>(maxItems: null, maxSize: 100, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, listener, maxItemSize: 60);
        var forever = System.Threading.Timeout.InfiniteTimeSpan;

        engine.Set("a", "a1", forever, 30);
        engine.Set("a", "a2", forever, 35);           // replaces a1, charged 30
        engine.Set("b", "b1", forever, 50);
        engine.Set("c", "c1", forever, 40);           // evicts a2, charged 35
        engine.Set("d", "d1", forever, 61);           // refused: over the per-entry maximum
        engine.GetOrAdd("e", "e1", forever, 70);      // refused too
        engine.Remove("b");                           // charged 50
        engine.Clear();                               // c, charged 40

        Assert.Equal(
            [("a", "a1", RemovalReason.Replaced), ("a", "a2", RemovalReason.Capacity), ("d", "d1", RemovalReason.Oversized),
             ("e", "e1", RemovalReason.Oversized), ("b", "b1", RemovalReason.Removed), ("c", "c1", RemovalReason.Cleared)],
            listener.Removals);
        Assert.Equal([30L, 35, 61, 70, 50, 40], listener.Sizes);
    }

    [Fact]
    public void A_listener_may_call_back_into_the_cache_because_it_runs_outside_the_lock()
    {
        var listener = new RecordingListener();
        using var engine = Create(maxItems: 2, listener);
        listener.OnRemovedCallback = key =>
        {
            // Re-entering from the notification: would deadlock or corrupt if called under the lock.
            if (key == "a")
            {
                engine.Set("tombstone", "a", System.Threading.Timeout.InfiniteTimeSpan, 0);
            }
        };

        engine.Set("a", "1", System.Threading.Timeout.InfiniteTimeSpan, 0);
        engine.Set("b", "2", System.Threading.Timeout.InfiniteTimeSpan, 0);
        engine.Set("c", "3", System.Threading.Timeout.InfiniteTimeSpan, 0); // evicts a; the callback's Set evicts b

        Assert.Equal([("a", "1", RemovalReason.Capacity), ("b", "2", RemovalReason.Capacity)], listener.Removals);
        Assert.True(engine.TryGet("tombstone", out string? tombstone));
        Assert.Equal("a", tombstone);
        Assert.True(engine.ContainsKey("c"));
        engine.CheckInvariants();
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(90)]
    [InlineData(4095)]
    [InlineData(2 * 3600)]
    [InlineData(3 * 86400)]
    [InlineData(40 * 86400)]
    [InlineData(400 * 86400)]
    public void Entries_on_every_level_of_the_wheel_are_reclaimed_within_a_second_of_expiry(double ttlSeconds)
    {
        var listener = new RecordingListener();
        using var engine = new LruEngine<string, string>(null, null, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, listener);
        // Start at an odd offset so that expiries do not fall on bucket boundaries.
        _time.Advance(TimeSpan.FromMilliseconds(437));
        engine.Set("k", "v", TimeSpan.FromSeconds(ttlSeconds), 0);
        engine.Set("forever", "v", System.Threading.Timeout.InfiniteTimeSpan, 0);

        // Jump to just before the expiry in big steps (one timer tick each), then walk a second at a time.
        TimeSpan ttl = TimeSpan.FromSeconds(ttlSeconds);
        TimeSpan elapsed = TimeSpan.Zero;
        TimeSpan bigStep = TimeSpan.FromHours(1);
        while (elapsed + bigStep < ttl - TimeSpan.FromSeconds(2))
        {
            _time.Advance(bigStep);
            elapsed += bigStep;
        }

        while (elapsed + TimeSpan.FromMilliseconds(250) < ttl)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            elapsed += TimeSpan.FromMilliseconds(250);
            Assert.True(engine.ContainsKey("k"), $"expired early at {elapsed}");
            Assert.Equal(2, engine.Count);
        }

        _time.Advance(ttl - elapsed);
        Assert.False(engine.ContainsKey("k")); // reads are exact
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, engine.Count); // reclaimed by the timer within a second, with no read
        Assert.Equal([("k", "v", RemovalReason.Expired)], listener.Removals);
    }

    [Fact]
    public void Reclaim_of_many_expired_entries_needs_no_read_and_leaves_live_ones()
    {
        using var engine = new LruEngine<int, string>(null, null, _time, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 10_000; i++)
        {
            engine.Set(i, "v", TimeSpan.FromSeconds(1 + (i % 600)), 0);
        }

        for (int second = 1; second <= 600; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            int expected = 10_000 - (10_000 / 600 * second) - Math.Min(second, 10_000 % 600);
            Assert.Equal(expected, engine.Count);
        }

        Assert.Equal(0, engine.Count);
        engine.CheckInvariants();
    }

    [Fact]
    public void The_system_clock_counts_milliseconds_of_the_coarse_monotonic_clock_and_other_providers_their_own_units()
    {
        var system = new EngineClock(null);
        long before = Environment.TickCount64;
        long now = system.Now();
        Assert.Equal(1000, system.TicksPerSecond);
        Assert.InRange(now, before, Environment.TickCount64);
        Assert.Equal(_time.TimestampFrequency, new EngineClock(_time).TicksPerSecond);
        Assert.Equal(_time.GetTimestamp(), new EngineClock(_time).Now());
    }

    [Fact]
    public void Under_steady_writes_an_expired_entry_is_reclaimed_within_an_eighth_of_a_second()
    {
        // Start on a whole second of the timestamp clock, so this expiry falls in the middle of a 125 ms bucket.
        long intoSecond = _time.GetTimestamp() % _time.TimestampFrequency;
        _time.Advance(TimeSpan.FromSeconds((_time.TimestampFrequency - intoSecond) / (double)_time.TimestampFrequency));
        Assert.Equal(0, _time.GetTimestamp() % _time.TimestampFrequency);
        using var engine = new LruEngine<string, string>(null, null, _time, TimeSpan.FromHours(1));
        engine.Set("expires", "v", TimeSpan.FromMilliseconds(1062.5), 0);

        _time.Advance(TimeSpan.FromMilliseconds(1010));
        engine.Set("other", "v", Timeout.InfiniteTimeSpan, 0); // the wheel moves the entry to a finer bucket
        _time.Advance(TimeSpan.FromMilliseconds(90));
        engine.Set("other", "v", Timeout.InfiniteTimeSpan, 0);
        Assert.Equal(2, engine.Count); // expired 37.5 ms ago; its bucket ends at 1,125 ms
        Assert.False(engine.ContainsKey("expires")); // never seen, reclaimed or not (a read would reclaim it)

        _time.Advance(TimeSpan.FromMilliseconds(30));
        engine.Set("other", "v", Timeout.InfiniteTimeSpan, 0);
        Assert.Equal(1, engine.Count); // reclaimed by a write, 67.5 ms after its expiry
        engine.CheckInvariants();
    }

    [Fact]
    public void An_overwrite_may_give_an_entry_an_expiry_or_take_it_away()
    {
        // Entries without an expiry are plain nodes with no wheel links; giving one an expiry needs a new node.
        using var engine = new LruEngine<string, string>(3, null, _time, TimeSpan.FromSeconds(1));
        engine.Set("a", "forever", Timeout.InfiniteTimeSpan, 0);
        engine.Set("b", "forever", Timeout.InfiniteTimeSpan, 0);
        engine.Set("a", "expires", TimeSpan.FromSeconds(2), 0);
        engine.Set("b", "expires", TimeSpan.FromSeconds(2), 0);
        engine.Set("b", "forever again", Timeout.InfiniteTimeSpan, 0);
        engine.CheckInvariants();

        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.False(engine.TryGet("a", out _));
        Assert.True(engine.TryGet("b", out string? b));
        Assert.Equal("forever again", b);
        Assert.Equal(1, engine.Count);
        Assert.Equal(["b"], engine.SnapshotKeys());
        engine.Set("a", "forever", Timeout.InfiniteTimeSpan, 0);
        engine.Set("c", "x", TimeSpan.FromSeconds(1), 0);
        engine.Set("d", "x", Timeout.InfiniteTimeSpan, 0); // evicts "b", the least recently used
        Assert.Equal(["d", "c", "a"], engine.SnapshotKeys()); // most recent first
        engine.CheckInvariants();
    }

    [Fact]
    public void A_time_provider_that_runs_timers_when_its_clock_is_read_cannot_reenter_a_write()
    {
        // With AutoAdvanceAmount set, every clock read moves FakeTimeProvider's time and runs due timers
        // on the reading thread: here, inside the engine's locked sections. That must not corrupt anything.
        var time = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMilliseconds(300) };
        using var engine = new LruEngine<int, string>(8, null, time, TimeSpan.FromSeconds(1));
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            int key = random.Next(32);
            switch (random.Next(4))
            {
                case 0: engine.Set(key, "v", TimeSpan.FromSeconds(random.Next(1, 5)), 0); break;
                case 1: engine.TryGet(key, out _); break;
                case 2: engine.Remove(key); break;
                default: engine.GetOrAdd(key, "w", TimeSpan.FromSeconds(2), 0); break;
            }
        }

        engine.CheckInvariants();
    }

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
