using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>
/// The engine's time: monotonic timestamps, so that a wall-clock change never expires or revives entries,
/// and tests drive it with a fake <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// With <see cref="TimeProvider.System"/> the clock is <see cref="Environment.TickCount64"/>, in
/// milliseconds: the operating system's coarse monotonic clock (resolution about 1–4 ms on Linux, about
/// 16 ms on Windows), which costs a memory read where <see cref="Stopwatch.GetTimestamp"/> costs a
/// hardware counter read, slow on virtual machines (docs/decisions/0009-coarse-clock.md). Every
/// write reads the clock, and so does every read of an entry that expires. The price: an entry expires
/// within one clock step of its TTL, early or late. Any other provider's timestamps are used as they are.
/// </remarks>
internal sealed class EngineClock
{
    private const long MillisecondsPerSecond = 1000;
    private readonly TimeProvider _provider;
    private readonly bool _isSystem;

    /// <param name="timeProvider">Named as the caches' constructors name it, since a bad one is refused by that name.</param>
    internal EngineClock(TimeProvider? timeProvider)
    {
        _provider = timeProvider ?? TimeProvider.System;
        _isSystem = ReferenceEquals(_provider, TimeProvider.System);
        TicksPerSecond = _isSystem ? MillisecondsPerSecond : _provider.TimestampFrequency;
        if (TicksPerSecond <= 0)
        {
            throw new ArgumentException($"The TimeProvider's TimestampFrequency must be positive; it was {TicksPerSecond}.", nameof(timeProvider));
        }
    }

    internal TimeProvider Provider => _provider;

    /// <summary>Timestamp units per second.</summary>
    internal long TicksPerSecond { get; }

    /// <summary>The current timestamp; the system clock is read without a virtual call (see the remarks on the type).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long Now() => _isSystem ? Environment.TickCount64 : _provider.GetTimestamp();

    /// <summary>
    /// The timestamp at which an entry stored at <paramref name="now"/> with this time to live expires,
    /// or <see cref="Node{TKey,TValue}.Never"/> for <see cref="Timeout.InfiniteTimeSpan"/>. Saturates
    /// instead of overflowing, so <see cref="TimeSpan.MaxValue"/> also means never.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long ExpiryFrom(long now, TimeSpan ttl) => ttl == Timeout.InfiniteTimeSpan ? long.MaxValue : FiniteExpiryFrom(now, ttl);

    private long FiniteExpiryFrom(long now, TimeSpan ttl)
    {
        Int128 expiresAt = now + (Int128)Duration(ttl);
        return expiresAt >= long.MaxValue ? long.MaxValue : (long)expiresAt;
    }

    /// <summary>A positive duration in timestamp units (at least 1), saturating at <see cref="long.MaxValue"/>.</summary>
    internal long Duration(TimeSpan duration)
    {
        Int128 ticks = (Int128)duration.Ticks * TicksPerSecond / TimeSpan.TicksPerSecond;
        return ticks >= long.MaxValue ? long.MaxValue : (long)Int128.Max(ticks, 1);
    }
}
