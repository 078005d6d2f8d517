using AtomicLru.Policy;

namespace AtomicLru.Tests;

/// <summary>The ghosts of one side of Window TinyLFU: the last hashes given up, oldest forgotten first, each found once.</summary>
public sealed class GhostListTests
{
    [Fact]
    public void It_keeps_the_last_hashes_up_to_its_capacity_and_forgets_the_oldest_first()
    {
        var ghosts = new GhostList();
        for (int hash = 1; hash <= 5; hash++)
        {
            ghosts.Add(hash, capacity: 3);
        }

        Assert.Equal(3, ghosts.Count);
        Assert.False(ghosts.Remove(1));
        Assert.False(ghosts.Remove(2));
        Assert.True(ghosts.Remove(3));
        Assert.True(ghosts.Remove(5));
        Assert.True(ghosts.Remove(4));
        Assert.Equal(0, ghosts.Count);
    }

    [Fact]
    public void A_hash_found_is_forgotten_and_one_given_up_again_is_kept_from_its_latest_time()
    {
        var ghosts = new GhostList();
        ghosts.Add(7, capacity: 3);
        Assert.True(ghosts.Remove(7));
        Assert.False(ghosts.Remove(7));

        ghosts.Add(1, capacity: 3);
        ghosts.Add(2, capacity: 3);
        ghosts.Add(1, capacity: 3); // again: its first time leaves the ring first, the hash stays
        ghosts.Add(3, capacity: 3);
        ghosts.Add(4, capacity: 3);
        Assert.True(ghosts.Remove(1));
        Assert.True(ghosts.Remove(3));
        Assert.True(ghosts.Remove(4));
        Assert.False(ghosts.Remove(2)); // given up before the second 1, 3 and 4: forgotten
    }

    [Fact]
    public void It_grows_to_hold_as_many_as_it_is_asked_to_and_shrinks_when_asked_for_fewer()
    {
        var ghosts = new GhostList();
        for (int hash = 0; hash < 1000; hash++)
        {
            ghosts.Add(hash, capacity: 1000);
        }

        Assert.Equal(1000, ghosts.Count);
        ghosts.Add(-1, capacity: 10);
        Assert.Equal(10, ghosts.Count);
        Assert.True(ghosts.Remove(999));
        Assert.False(ghosts.Remove(990));
    }
}
