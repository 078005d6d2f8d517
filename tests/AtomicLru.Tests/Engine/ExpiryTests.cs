using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>Expiry through the engine: every level of the wheel, reclaim without a read, the clock, overwrites that change the expiry.</summary>
public sealed class ExpiryTests
{
    private readonly FakeTimeProvider _time = new();

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

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void A_time_provider_whose_timestamps_have_no_positive_frequency_is_refused_by_name(long frequency)
    {
        var broken = new FrequencyTimeProvider(frequency);
        foreach (Action create in new Action[]
        {
            () => new AtomicLruStorage<string>(new AtomicLruOptions(), broken).Dispose(),
            () => new AtomicLruCache(new AtomicLruOptions(), timeProvider: broken).Dispose(),
        })
        {
            var error = Assert.Throws<ArgumentException>(create);
            Assert.Equal("timeProvider", error.ParamName);
            Assert.StartsWith($"The TimeProvider's TimestampFrequency must be positive; it was {frequency}.", error.Message, StringComparison.Ordinal);
        }
    }

    private sealed class FrequencyTimeProvider(long frequency) : TimeProvider
    {
        public override long TimestampFrequency => frequency;
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
}
