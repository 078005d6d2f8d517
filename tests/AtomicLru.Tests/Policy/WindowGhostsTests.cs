using AtomicLru.Policy;

namespace AtomicLru.Tests;

/// <summary>
/// How Window TinyLFU's window is sized: a key the window gave up that comes back grows it, one main gave up shrinks it,
/// by one entry of those held, within its bounds.
/// </summary>
public sealed class WindowGhostsTests
{
    private const int Held = 1000;

    [Fact]
    public void A_key_the_window_gave_up_grows_it_by_an_entry_and_one_main_gave_up_shrinks_it()
    {
        var ghosts = new WindowGhosts();
        Assert.Equal(WindowGhosts.MinShare, ghosts.Share);
        Assert.False(ghosts.Added(42, Held)); // no ghost: nothing moves

        ghosts.WindowGaveUp(1, Held);
        ghosts.MainGaveUp(2, Held);
        Assert.True(ghosts.Added(1, Held));
        Assert.Equal(WindowGhosts.MinShare + (1.0 / Held), ghosts.Share, precision: 12);
        Assert.False(ghosts.Added(1, Held)); // found once: forgotten

        Assert.True(ghosts.Added(2, Held));
        Assert.Equal(WindowGhosts.MinShare, ghosts.Share, precision: 12);
    }

    [Fact]
    public void Every_ghost_found_moves_the_window_by_one_entry_of_those_held()
    {
        var ghosts = new WindowGhosts();
        for (int hash = 10; hash < 13; hash++)
        {
            ghosts.WindowGaveUp(hash, Held);
        }

        for (int hash = 10; hash < 13; hash++)
        {
            Assert.True(ghosts.Added(hash, Held));
        }

        Assert.Equal(WindowGhosts.MinShare + (3.0 / Held), ghosts.Share, precision: 12);
        ghosts.MainGaveUp(20, held: 500);
        Assert.True(ghosts.Added(20, held: 500)); // one entry of 500 held
        Assert.Equal(WindowGhosts.MinShare + (3.0 / Held) - (1.0 / 500), ghosts.Share, precision: 12);
    }

    [Fact]
    public void Each_list_keeps_as_many_ghosts_as_the_window_holds_and_at_least_one_percent_of_the_entries()
    {
        var ghosts = new WindowGhosts(); // the window at 0.1 %: each list keeps 1 % of 1,000 entries, ten
        for (int hash = 0; hash <= 10; hash++)
        {
            ghosts.WindowGaveUp(hash, Held);
        }

        Assert.False(ghosts.Added(0, Held)); // the eleventh pushed the first out
        Assert.True(ghosts.Added(1, Held));
    }

    [Fact]
    public void The_share_stays_within_its_bounds()
    {
        var ghosts = new WindowGhosts();
        for (int i = 0; i < 100; i++)
        {
            ghosts.WindowGaveUp(i, held: 2);
            ghosts.Added(i, held: 2); // half the limit a step
            Assert.InRange(ghosts.Share, WindowGhosts.MinShare, WindowGhosts.MaxShare);
        }

        Assert.Equal(WindowGhosts.MaxShare, ghosts.Share);
        for (int i = 0; i < 100; i++)
        {
            ghosts.MainGaveUp(i, held: 2);
            ghosts.Added(i, held: 2);
            Assert.InRange(ghosts.Share, WindowGhosts.MinShare, WindowGhosts.MaxShare);
        }

        Assert.Equal(WindowGhosts.MinShare, ghosts.Share);
    }

    [Fact]
    public void A_window_larger_than_one_percent_keeps_as_many_ghosts_as_it_holds()
    {
        var ghosts = WindowAt(share: 0.051); // 51 entries of 1,000: each list keeps 51
        for (int hash = 100; hash <= 150; hash++)
        {
            ghosts.WindowGaveUp(hash, Held);
        }

        Assert.True(ghosts.Added(100, Held)); // the 51st last: still a ghost

        ghosts = WindowAt(share: 0.051);
        for (int hash = 100; hash <= 151; hash++)
        {
            ghosts.MainGaveUp(hash, Held);
        }

        Assert.False(ghosts.Added(100, Held)); // the 52nd last: forgotten
        Assert.True(ghosts.Added(101, Held));
    }

    /// <summary>A window grown from its floor, by ghosts found at 100 entries held (a hundredth each), to <paramref name="share"/>.</summary>
    private static WindowGhosts WindowAt(double share)
    {
        var ghosts = new WindowGhosts();
        for (int hash = -1; ghosts.Share < share - 1e-9; hash--)
        {
            ghosts.WindowGaveUp(hash, held: 100);
            ghosts.Added(hash, held: 100);
        }

        Assert.Equal(share, ghosts.Share, precision: 9);
        return ghosts;
    }
}
