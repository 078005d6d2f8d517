using System.Collections.Generic;
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

    [Fact]
    public void A_hash_given_up_twice_is_one_ghost_found_once()
    {
        var ghosts = new GhostList();
        ghosts.Add(42, capacity: 3);
        ghosts.Add(42, capacity: 3); // updated where it is, not a second copy
        Assert.True(ghosts.Remove(42));
        Assert.False(ghosts.Remove(42));
    }

    [Fact]
    public void Ghosts_given_up_before_the_table_grows_are_still_found_after()
    {
        var ghosts = new GhostList();
        for (int hash = 1; hash <= 5; hash++)
        {
            ghosts.Add(hash, capacity: 8); // 16 slots hold them
        }

        Assert.Equal(16, ghosts.SlotCount);
        ghosts.Add(6, capacity: 100); // grows, moving the five
        Assert.True(ghosts.SlotCount >= 200);
        for (int hash = 1; hash <= 6; hash++)
        {
            Assert.True(ghosts.Remove(hash), $"hash {hash}");
        }
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(8, 16)]
    [InlineData(9, 32)]
    [InlineData(1000, 2048)]
    [InlineData(1024, 2048)]
    public void The_table_is_the_least_power_of_two_with_two_slots_a_ghost(int capacity, int slots)
    {
        var ghosts = new GhostList();
        ghosts.Add(1, capacity);
        Assert.Equal(slots, ghosts.SlotCount); // 8 bytes a slot: 16 to 32 bytes a ghost
    }

    [Fact]
    public void A_hash_whose_slots_all_hold_ghosts_takes_its_first_and_is_found_there()
    {
        int[] sameFirst = HashesWithFirstSlot(first: 3, count: GhostList.Probe + 1);
        var ghosts = new GhostList();
        foreach (int hash in sameFirst)
        {
            ghosts.Add(hash, capacity: 8);
        }

        Assert.False(ghosts.Remove(sameFirst[0])); // its slot went to the last one
        for (int i = 1; i < sameFirst.Length; i++)
        {
            Assert.True(ghosts.Remove(sameFirst[i]), $"hash {i}");
        }
    }

    [Fact]
    public void A_free_slot_past_the_end_of_the_table_is_used_as_any_other()
    {
        // First slot 15, the table's last: its probes wrap to slots 0, 1 and 2.
        int[] lastSlot = HashesWithFirstSlot(first: 15, count: 2);
        var ghosts = new GhostList();
        ghosts.Add(lastSlot[0], capacity: 8); // takes slot 15
        ghosts.Add(lastSlot[1], capacity: 8); // slot 15 holds a ghost: takes slot 0
        Assert.True(ghosts.Remove(lastSlot[0]));
        Assert.True(ghosts.Remove(lastSlot[1]));
    }

    [Fact]
    public void The_count_of_additions_wraps_without_losing_a_ghost()
    {
        var ghosts = new GhostList(lastAddition: uint.MaxValue - 1);
        ghosts.Add(5, capacity: 4); // addition uint.MaxValue
        ghosts.Add(0, capacity: 4); // the count wraps to 1, not 0: hash 0 at addition 0 would be an empty slot
        ghosts.Add(6, capacity: 4);
        Assert.True(ghosts.Remove(0));
        Assert.True(ghosts.Remove(5));
        Assert.True(ghosts.Remove(6));
    }

    private static int[] HashesWithFirstSlot(int first, int count)
    {
        var found = new List<int>();
        for (int hash = 1; found.Count < count; hash++)
        {
            if (GhostList.FirstSlot(hash, GhostList.InitialShift) == first)
            {
                found.Add(hash);
            }
        }

        return [.. found];
    }
}
