using System;
using System.Collections.Generic;
using System.Linq;
using AtomicLru.Engine;

namespace AtomicLru.Tests.Engine;

/// <summary>
/// The timer wheel alone, against what it promises: a node is handed to <c>expire</c> once, only when its expiry has
/// passed, and at the latest when the clock has entered the eighth of a second after the one its expiry falls in (or,
/// for a node already due when it was scheduled, after the one it was scheduled in); an unscheduled node never is.
/// Expiries span every level (milliseconds to years) and the past.
/// </summary>
public sealed class TimerWheelTests
{
    private const long TicksPerSecond = 1000; // the engine clock's unit with the system clock: milliseconds
    private const long Resolution = TicksPerSecond / 8;

    private static TimedNode<int, int> NodeExpiringAt(int key, long expiresAt) => new(key, key, key, expiresAt, size: 0);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_schedules_slides_removals_and_advances_expire_each_node_once_on_time(int seed)
    {
        var random = new Random(seed);
        long now = random.NextInt64(0, 1L << 40);
        var wheel = new TimerWheel<int, int>(TicksPerSecond, now);
        var scheduled = new Dictionary<TimedNode<int, int>, long>(); // node -> when it was scheduled
        var expired = new HashSet<TimedNode<int, int>>();
        int nextKey = 0;

        for (int step = 0; step < 20_000; step++)
        {
            int choice = random.Next(10);
            if (choice < 4)
            {
                TimedNode<int, int> node = NodeExpiringAt(nextKey++, now + Duration(random));
                wheel.Schedule(node);
                scheduled.Add(node, now);
            }
            else if (choice < 5 && scheduled.Count > 0)
            {
                TimedNode<int, int> node = scheduled.Keys.ElementAt(random.Next(scheduled.Count));
                wheel.Unschedule(node);
                scheduled.Remove(node);
                wheel.Unschedule(node); // a second time does nothing
            }
            else if (choice < 6 && scheduled.Count > 0)
            {
                // A sliding entry's reader moves its expiry later without telling the wheel.
                TimedNode<int, int> node = scheduled.Keys.ElementAt(random.Next(scheduled.Count));
                node.ExpiresAt = Math.Max(node.ExpiresAt, now) + random.NextInt64(1, 10 * TicksPerSecond);
            }
            else
            {
                now += random.Next(20) == 0 ? random.NextInt64(0, 3 * 86_400 * TicksPerSecond) : random.NextInt64(0, 300);
                long at = now;
                wheel.Advance(now, node =>
                {
                    Assert.True(node.ExpiresAt <= at, $"expired at {at}, due at {node.ExpiresAt}");
                    Assert.True(scheduled.Remove(node), "handed over twice, or after it was unscheduled");
                    Assert.Null(node.WheelNext);
                    expired.Add(node);
                });

                long tickStart = now / Resolution * Resolution;
                foreach ((TimedNode<int, int> node, long scheduledAt) in scheduled)
                {
                    Assert.True(Math.Max(node.ExpiresAt, scheduledAt) >= tickStart, $"still held at {now}, due at {node.ExpiresAt}, scheduled at {scheduledAt}");
                }
            }

            Assert.Equal(scheduled.Count == 0, wheel.IsEmpty);
        }

        Assert.NotEmpty(expired);
    }

    [Fact]
    public void A_node_already_due_when_scheduled_expires_on_the_next_tick()
    {
        var wheel = new TimerWheel<int, int>(TicksPerSecond, now: 10_000);
        TimedNode<int, int> node = NodeExpiringAt(1, expiresAt: 5_000);
        wheel.Schedule(node);
        var expired = new List<TimedNode<int, int>>();

        wheel.Advance(10_000 + Resolution - 1, expired.Add); // still within the tick it was scheduled in
        Assert.Empty(expired);
        wheel.Advance(10_000 + Resolution, expired.Add);
        Assert.Equal([node], expired);
        Assert.True(wheel.IsEmpty);
    }

    [Fact]
    public void The_clock_never_goes_back_and_clear_drops_every_node()
    {
        var wheel = new TimerWheel<int, int>(TicksPerSecond, now: 1_000_000);
        TimedNode<int, int> soon = NodeExpiringAt(1, 1_000_500);
        TimedNode<int, int> late = NodeExpiringAt(2, 1_000_000 + (400L * 86_400 * TicksPerSecond));
        wheel.Schedule(soon);
        wheel.Schedule(late);
        var expired = new List<TimedNode<int, int>>();

        wheel.Advance(999_000, expired.Add); // earlier than the wheel's time (a provider that is not monotonic): ignored
        Assert.Empty(expired);

        // Had the wheel's time gone back, this node would sit a level too high and be moved down on the way.
        TimedNode<int, int> next = NodeExpiringAt(3, 1_000_300);
        wheel.Schedule(next);
        wheel.Advance(1_000_000 + Resolution + 5, expired.Add);
        Assert.Empty(expired);
        Assert.Equal(0, wheel.Rescheduled);
        wheel.Advance(1_000_300 + Resolution, expired.Add);
        Assert.Equal([next], expired);
        expired.Clear();

        wheel.Clear();
        Assert.True(wheel.IsEmpty);
        wheel.Advance(long.MaxValue - 1, expired.Add);
        Assert.Empty(expired);
    }

    [Fact]
    public void An_expiry_at_the_end_of_time_is_kept_and_never_overflows_the_arithmetic()
    {
        var wheel = new TimerWheel<int, int>(TicksPerSecond, now: 0);
        TimedNode<int, int> node = NodeExpiringAt(1, long.MaxValue - 1);
        TimedNode<int, int> saturated = NodeExpiringAt(2, long.MaxValue); // a sliding entry slid to Never: kept for good
        wheel.Schedule(node);
        wheel.Schedule(saturated);
        var expired = new List<TimedNode<int, int>>();

        wheel.Advance(long.MaxValue / 2, expired.Add);
        Assert.Empty(expired);
        Assert.False(wheel.IsEmpty);
        wheel.Advance(long.MaxValue - 1, expired.Add);
        Assert.Equal([node], expired);
        wheel.Advance(long.MaxValue, expired.Add);
        Assert.Equal([node], expired);
        Assert.False(wheel.IsEmpty);
    }

    [Fact]
    public void A_node_is_visited_only_when_its_bucket_comes_due_and_moved_once_per_level()
    {
        var wheel = new TimerWheel<int, int>(TicksPerSecond, now: 0);
        TimedNode<int, int> thirdTick = NodeExpiringAt(1, 2 * Resolution + 50);          // level 0, bucket 2
        TimedNode<int, int> atHorizon = NodeExpiringAt(2, TicksPerSecond);              // exactly level 0's horizon: level 1
        TimedNode<int, int> pastSecond = NodeExpiringAt(3, TicksPerSecond + 60);        // level 1, the same bucket
        TimedNode<int, int> overflow = NodeExpiringAt(4, 100L * 86_400 * TicksPerSecond); // the overflow bucket
        foreach (TimedNode<int, int> node in (TimedNode<int, int>[])[thirdTick, atHorizon, pastSecond, overflow])
        {
            wheel.Schedule(node);
        }

        var expired = new List<TimedNode<int, int>>();

        // Into level 0's second tick: its first two buckets are visited, and no coarser level has moved.
        wheel.Advance(Resolution + 5, expired.Add);
        Assert.Empty(expired);
        Assert.Equal(0, wheel.Rescheduled);

        wheel.Advance(2 * Resolution, expired.Add); // entering bucket 2: its node is not due yet and stays
        Assert.Equal(1, wheel.Rescheduled);
        wheel.Advance(3 * Resolution, expired.Add); // leaving it
        Assert.Equal([thirdTick], expired);

        // Tick by tick through the first second: level 1's bucket comes due at 1 s; the node due then expires, the one
        // 60 ms later drops to level 0 (its one move) and expires when that bucket has passed.
        for (long now = 4 * Resolution; now <= TicksPerSecond + Resolution; now += Resolution)
        {
            wheel.Advance(now, expired.Add);
        }

        Assert.Equal([thirdTick, atHorizon, pastSecond], expired);
        Assert.Equal(2, wheel.Rescheduled);
        Assert.False(wheel.IsEmpty); // the overflow node, never visited
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(7L)]
    [InlineData(10_000_000L)]
    [InlineData(5_000_000_000_000L)]     // the first frequency whose upper levels would span more than a long
    [InlineData(1_000_000_000_000_000L)]
    [InlineData(long.MaxValue)]
    public void A_clock_of_any_frequency_gets_a_wheel_that_expires_every_node_once_on_time(long ticksPerSecond)
    {
        var random = new Random(17);
        long resolution = Math.Max(1, ticksPerSecond / 8);
        long now = 0;
        var wheel = new TimerWheel<int, int>(ticksPerSecond, now);
        var scheduled = new Dictionary<TimedNode<int, int>, long>();
        var expired = new List<TimedNode<int, int>>();
        for (int key = 0; key < 300; key++)
        {
            // Spread over every level the clock's range reaches: seconds to the end of time.
            long horizon = key % 3 == 0 ? Math.Min(long.MaxValue / 2, Times(64, ticksPerSecond)) : long.MaxValue / 2;
            TimedNode<int, int> node = NodeExpiringAt(key, random.NextInt64(1, horizon));
            wheel.Schedule(node);
            scheduled.Add(node, now);
        }

        while (scheduled.Count > 0)
        {
            long step = random.Next(4) == 0 ? random.NextInt64(1, (long.MaxValue / 64) - 1) : random.NextInt64(1, Math.Min(Times(64, resolution), long.MaxValue / 64));
            now += Math.Min(step, long.MaxValue - 1 - now); // up to the last time the wheel can pass
            long at = now;
            wheel.Advance(now, node =>
            {
                Assert.True(node.ExpiresAt <= at, $"expired at {at}, due at {node.ExpiresAt}");
                Assert.True(scheduled.Remove(node), "handed over twice");
                expired.Add(node);
            });

            long tickStart = now / resolution * resolution;
            foreach ((TimedNode<int, int> node, long scheduledAt) in scheduled)
            {
                Assert.True(Math.Max(node.ExpiresAt, scheduledAt) >= tickStart, $"still held at {now}, due at {node.ExpiresAt}");
            }

            if (now == long.MaxValue - 1)
            {
                break;
            }
        }

        Assert.Empty(scheduled);
        Assert.Equal(300, expired.Count);
        Assert.True(wheel.IsEmpty);
    }

    private static long Times(long factor, long value) => value > long.MaxValue / factor ? long.MaxValue : factor * value;

    private static long Duration(Random random) => random.Next(6) switch
    {
        0 => -random.NextInt64(0, 10 * TicksPerSecond),              // already past
        1 => random.NextInt64(0, TicksPerSecond),                      // level 0
        2 => random.NextInt64(0, 64 * TicksPerSecond),                 // level 1
        3 => random.NextInt64(0, 68 * 60 * TicksPerSecond),            // level 2
        4 => random.NextInt64(0, 36 * 3600 * TicksPerSecond),          // levels 3 and 4
        _ => random.NextInt64(0, 2L * 365 * 86_400 * TicksPerSecond),  // the overflow bucket
    };
}
