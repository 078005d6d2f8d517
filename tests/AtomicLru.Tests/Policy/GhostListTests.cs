using AtomicLru.Policy;

namespace AtomicLru.Tests;

/// <summary>The ghosts of one side of Window TinyLFU: the last hashes given up, oldest forgotten first, each found once.</summary>
public sealed class GhostListTests
{
    [Fact]
    public void The_last_hashes_up_to_its_capacity_are_ghosts_and_older_ones_are_forgotten()
    {
        var ghosts = new GhostList();
        for (int hash = 1; hash <= 5; hash++)
        {
            ghosts.Add(hash, capacity: 3);
        }

        Assert.False(ghosts.Remove(1));
        Assert.False(ghosts.Remove(2));
        Assert.True(ghosts.Remove(3));
        Assert.True(ghosts.Remove(5));
        Assert.True(ghosts.Remove(4));
    }

    [Fact]
    public void A_ghost_found_is_forgotten_and_one_given_up_again_counts_from_its_latest_time()
    {
        var ghosts = new GhostList();
        ghosts.Add(7, capacity: 3);
        Assert.True(ghosts.Remove(7));
        Assert.False(ghosts.Remove(7));

        ghosts.Add(1, capacity: 3);
        ghosts.Add(2, capacity: 3);
        ghosts.Add(1, capacity: 3); // again: a ghost for three more additions from now
        ghosts.Add(3, capacity: 3);
        ghosts.Add(4, capacity: 3);
        Assert.False(ghosts.Remove(2)); // given up before the second 1, 3 and 4: forgotten
        Assert.True(ghosts.Remove(1));
        Assert.True(ghosts.Remove(3));
        Assert.True(ghosts.Remove(4));
    }

    [Fact]
    public void It_grows_to_hold_as_many_ghosts_as_asked_and_keeps_them_across_the_growth()
    {
        var ghosts = new GhostList();
        for (int hash = 0; hash < 1000; hash++)
        {
            ghosts.Add(hash * 7919, capacity: 1000); // grows from 16 slots to 2,048 on the way
        }

        int found = 0;
        for (int hash = 0; hash < 1000; hash++)
        {
            found += ghosts.Remove(hash * 7919) ? 1 : 0;
        }

        Assert.InRange(found, 950, 1000); // a ghost whose slots all hold ghosts takes the first: a hint, not a set
        ghosts.Add(-1, capacity: 10);
        Assert.True(ghosts.Remove(-1));
    }

    [Fact]
    public void A_hash_that_shares_a_slot_with_a_ghost_is_not_taken_for_it()
    {
        var ghosts = new GhostList();
        ghosts.Add(12345, capacity: 4);
        for (int other = 0; other < 100_000; other++)
        {
            if (other != 12345)
            {
                Assert.False(ghosts.Remove(other)); // whatever slot it falls on, only the same hash matches
            }
        }

        Assert.True(ghosts.Remove(12345));
    }
}
