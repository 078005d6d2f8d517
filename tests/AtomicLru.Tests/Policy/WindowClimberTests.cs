using AtomicLru.Policy;

namespace AtomicLru.Tests;

/// <summary>
/// The hill climber that sizes Window TinyLFU's window: it moves only when a sample closes, repeats a step that did no
/// harm, reverses one that hurt, restarts its step after a large change and stays within its bounds.
/// </summary>
public sealed class WindowClimberTests
{
    private const int Period = 100;

    /// <summary>Closes one sample of <see cref="Period"/> requests with this many hits; true if the share moved.</summary>
    private static bool Sample(WindowClimber climber, int hits)
    {
        bool moved = false;
        for (int i = 0; i < Period; i++)
        {
            moved = climber.Record(hit: i < hits);
            Assert.True(i == Period - 1 || !moved, "the share moved before the sample closed");
        }

        return moved;
    }

    [Fact]
    public void It_starts_at_its_smallest_share_and_moves_only_when_a_sample_closes()
    {
        var climber = new WindowClimber(samplePeriod: 1); // raised to the least period, 100
        Assert.Equal(WindowClimber.MinShare, climber.Share);
        Assert.Equal(Period, climber.SamplePeriod);
        Assert.False(Sample(climber, hits: 50)); // the first step goes down: the window stays at its floor
        Assert.Equal(WindowClimber.MinShare, climber.Share);
        Assert.True(Sample(climber, hits: 20)); // the hit ratio fell: up by a full step, when the sample closes
        Assert.Equal(WindowClimber.MinShare + 0.0625, climber.Share, precision: 9);
    }

    [Fact]
    public void A_step_that_raised_the_hit_ratio_is_repeated_and_one_that_lowered_it_is_reversed()
    {
        var climber = new WindowClimber(Period);
        Sample(climber, hits: 50); // +50 points: restart, the step keeps its direction (down), at the floor
        Assert.Equal(WindowClimber.MinShare, climber.Share);

        Sample(climber, hits: 20); // -30 points: reverse, up by a full step
        double afterReverse = climber.Share;
        Assert.Equal(WindowClimber.MinShare + 0.0625, afterReverse, precision: 9);

        Sample(climber, hits: 22); // +2 points, under the restart threshold: up again; the next step is 2 % smaller
        double afterRepeat = climber.Share;
        Assert.Equal(afterReverse + 0.0625, afterRepeat, precision: 9);

        Sample(climber, hits: 21); // -1 point: reverse, down by the smaller step
        Assert.Equal(afterRepeat - (0.98 * 0.0625), climber.Share, precision: 9);
    }

    [Fact]
    public void The_share_stays_between_its_bounds_however_the_hit_ratio_moves()
    {
        var climber = new WindowClimber(Period);
        int[] hits = [0, 100, 0, 100, 50, 60, 70, 80, 90, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100];
        for (int round = 0; round < 20; round++)
        {
            foreach (int h in hits)
            {
                Sample(climber, (h + round * 7) % 101);
                Assert.InRange(climber.Share, WindowClimber.MinShare, WindowClimber.MaxShare);
            }
        }
    }

    [Fact]
    public void A_steadily_rising_hit_ratio_keeps_growing_the_window_up_to_its_ceiling()
    {
        var climber = new WindowClimber(Period);
        for (int i = 0; i < 5; i++)
        {
            Sample(climber, hits: 0); // a flat ratio repeats the first step, down: the window stays at the floor
        }

        Assert.Equal(WindowClimber.MinShare, climber.Share);
        Sample(climber, hits: 30); // +30 points: restart; the step keeps its direction (down)
        Sample(climber, hits: 10); // -20 points: reverse, up a full step
        for (int h = 11; h <= 40; h++)
        {
            Sample(climber, h); // +1 point each time: up again each time
        }

        Assert.Equal(WindowClimber.MaxShare, climber.Share, precision: 9);
    }
}
