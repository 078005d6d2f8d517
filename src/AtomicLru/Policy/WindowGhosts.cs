using System;

namespace AtomicLru.Policy;

/// <summary>
/// Sizes Window TinyLFU's admission window from ghosts, as ARC sizes its recency side. Two lists remember the keys of
/// the last entries each side gave up: the window's candidates that lost admission, and main's victims that lost to a
/// candidate; each as many as the window holds, and at least <see cref="LeastGhostShare"/> of the entries held. A new
/// key found among the window's ghosts would have been a hit in a window that much larger, so the window grows by an
/// entry; one found among main's ghosts would have been a hit in a main that much larger, so it shrinks by one. Why
/// ghosts and not Caffeine's hill climbing on the hit ratio: a sample's hit ratio moves by more than a step changes it
/// (binomial noise; on a loop, the sample aliasing with the loop), so the climber's window walked at random; a ghost
/// hit is evidence about one key (docs/decisions/0014-window-tinylfu.md). Used only under the engine's policy lock.
/// </summary>
internal sealed class WindowGhosts
{
    /// <summary>The smallest share of the limits the window is given (the engine gives it at least one entry), and its share when a cache starts.</summary>
    internal const double MinShare = 0.001;

    /// <summary>The largest share of the limits the window is given.</summary>
    internal const double MaxShare = 0.8;

    /// <summary>The fewest ghosts each list keeps, as a share of the entries held: a one-entry window still learns.</summary>
    internal const double LeastGhostShare = 0.01;

    private readonly GhostList _window = new();
    private readonly GhostList _main = new();

    /// <summary>The window's share of the limits, <see cref="MinShare"/> to <see cref="MaxShare"/>.</summary>
    internal double Share { get; private set; } = MinShare;

    /// <summary>The window gave up <paramref name="hash"/>'s entry: a candidate that lost admission.</summary>
    /// <param name="hash">The entry's sketch hash.</param>
    /// <param name="held">Entries the cache holds.</param>
    internal void WindowGaveUp(int hash, int held) => _window.Add(hash, GhostCapacity(held));

    /// <summary>Main gave up <paramref name="hash"/>'s entry for a candidate.</summary>
    /// <param name="hash">The entry's sketch hash.</param>
    /// <param name="held">Entries the cache holds.</param>
    internal void MainGaveUp(int hash, int held) => _main.Add(hash, GhostCapacity(held));

    /// <summary>A key was stored that the cache did not hold; true if it was a ghost and <see cref="Share"/> moved.</summary>
    /// <param name="hash">The key's sketch hash.</param>
    /// <param name="held">Entries the cache holds.</param>
    internal bool Added(int hash, int held)
    {
        double step;
        if (_window.Remove(hash))
        {
            step = 1;
        }
        else if (_main.Remove(hash))
        {
            step = -1;
        }
        else
        {
            return false;
        }

        double share = Math.Clamp(Share + (step / Math.Max(1, held)), MinShare, MaxShare);
        bool moved = share != Share;
        Share = share;
        return moved;
    }

    private int GhostCapacity(int held) => (int)Math.Max(Share * held, LeastGhostShare * held);
}
