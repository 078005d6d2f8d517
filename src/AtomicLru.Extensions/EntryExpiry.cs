using System;
using System.Threading;

namespace AtomicLru.Extensions;

/// <summary>
/// What an entry of the Microsoft faces expires by, from their three settings, as <c>MemoryCache</c> and
/// <c>MemoryDistributedCache</c> compute it: absolute and relative together, the earlier wins; a sliding window is
/// renewed by reads, never past that deadline; no setting at all means the cache's
/// <see cref="AtomicLruOptions.DefaultTtl"/>.
/// </summary>
/// <param name="Ttl">Time to live from now (with a sliding window, its absolute limit), or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
/// <param name="Sliding">The sliding window, or zero for none.</param>
internal readonly record struct EntryExpiry(TimeSpan Ttl, TimeSpan Sliding)
{
    /// <summary>Resolves the settings; false if the absolute expiration has already passed (nothing is to be stored).</summary>
    /// <remarks>The settings' setters on the Microsoft types already refuse zero and negative durations.</remarks>
    internal static bool TryResolve(
        DateTimeOffset? absolute, TimeSpan? relative, TimeSpan? sliding, TimeProvider time, AtomicLruOptions options, out EntryExpiry expiry)
    {
        TimeSpan? deadline = relative;
        if (absolute is DateTimeOffset at)
        {
            TimeSpan untilAbsolute = at - time.GetUtcNow();
            if (untilAbsolute <= TimeSpan.Zero)
            {
                expiry = default;
                return false;
            }

            deadline = deadline is TimeSpan within && within < untilAbsolute ? within : untilAbsolute;
        }

        TimeSpan window = sliding ?? TimeSpan.Zero;
        expiry = new EntryExpiry(deadline ?? (window > TimeSpan.Zero ? Timeout.InfiniteTimeSpan : options.ResolveTtl(null)), window);
        return true;
    }

    /// <summary>True if the entry has a sliding window (the engine then keeps it in a sliding node).</summary>
    internal bool IsSliding => Sliding > TimeSpan.Zero;

    /// <summary>True if the entry has a deadline (the engine then keeps it in a timed node).</summary>
    internal bool HasDeadline => Ttl != Timeout.InfiniteTimeSpan;
}
