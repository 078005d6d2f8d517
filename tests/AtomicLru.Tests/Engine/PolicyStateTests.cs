using System;
using AtomicLru.Engine;

namespace AtomicLru.Tests.Engine;

/// <summary>
/// The engine's policy state alone: each removal reason counts under its own statistic and no other, the size and the
/// pinned figures move by what they are given, and emptying the cache resets the sizes but keeps the counters.
/// </summary>
public sealed class PolicyStateTests
{
    [Theory]
    [InlineData((int)RemovalReason.Capacity, 1, 0, 0, 0, 0, 0)]
    [InlineData((int)RemovalReason.Expired, 0, 1, 0, 0, 0, 0)]
    [InlineData((int)RemovalReason.TokenExpired, 0, 1, 0, 0, 0, 0)]
    [InlineData((int)RemovalReason.Removed, 0, 0, 1, 0, 0, 0)]
    [InlineData((int)RemovalReason.Replaced, 0, 0, 0, 1, 0, 0)]
    [InlineData((int)RemovalReason.Cleared, 0, 0, 0, 0, 1, 0)]
    [InlineData((int)RemovalReason.Oversized, 0, 0, 0, 0, 0, 1)]
    public void Each_removal_reason_counts_under_its_own_statistic(
        int reason, long capacity, long expired, long removed, long replaced, long cleared, long oversized)
    {
        var policy = new PolicyState();
        policy.CountRemoval((RemovalReason)reason);
        policy.CountRemoval((RemovalReason)reason);

        EngineCounters counters = policy.Snapshot(hits: 7, misses: 3, count: 5);
        Assert.Equal(new EngineCounters(7, 3, 5, 0, 2 * capacity, 2 * expired, 2 * removed, 2 * replaced, 2 * cleared, 2 * oversized), counters);
        Assert.Equal(2 * capacity, policy.CapacityEvictions);
    }

    [Fact]
    public void Every_reason_is_counted_somewhere()
    {
        foreach (RemovalReason reason in Enum.GetValues<RemovalReason>())
        {
            var policy = new PolicyState();
            policy.CountRemoval(reason);
            EngineCounters c = policy.Snapshot(0, 0, 0);
            Assert.Equal(1, c.CapacityEvictions + c.Expirations + c.Removals + c.Replacements + c.ClearedEntries + c.OversizedRejections);
        }
    }

    [Fact]
    public void Sizes_move_by_what_they_are_given_and_reset_while_the_counters_stay()
    {
        var policy = new PolicyState();
        policy.Enter();
        policy.AddSize(100);
        policy.AddSize(-30);
        policy.AddPinned(size: 40, sign: 1);
        policy.AddPinned(size: 25, sign: 1);
        policy.AddPinned(size: 40, sign: -1);
        policy.CountRemoval(RemovalReason.Removed);
        Assert.Equal(70, policy.Size);
        Assert.Equal(1, policy.PinnedCount);
        Assert.Equal(25, policy.PinnedSize);

        policy.ResetSizes();
        policy.Exit();
        Assert.Equal(0, policy.Size);
        Assert.Equal(0, policy.PinnedCount);
        Assert.Equal(0, policy.PinnedSize);
        Assert.Equal(1, policy.Snapshot(0, 0, 0).Removals);
    }

    [Fact]
    public void The_lock_knows_its_holder_and_a_second_taker_cannot_enter_until_it_is_released()
    {
        var policy = new PolicyState();
        Assert.True(policy.TryEnter());
        Assert.True(policy.IsHeldByCurrentThread);
        bool enteredElsewhere = true;
        var other = new System.Threading.Thread(() => enteredElsewhere = policy.TryEnter());
        other.Start();
        other.Join();
        Assert.False(enteredElsewhere);

        policy.Exit();
        Assert.False(policy.IsHeldByCurrentThread);
        Assert.False(policy.EnterWrite()); // nobody else wrote meanwhile
        policy.Exit();
    }
}
