using System;
using System.Threading;

namespace AtomicLru;

/// <summary>
/// Limits and expiry settings of an AtomicLru cache or storage. Bound from the configuration section
/// <c>"AtomicLru"</c> by the provider; checked by <see cref="Validate"/> when a cache is built.
/// </summary>
/// <example>
/// <code>
/// var options = new AtomicLruOptions { MaxItems = 10_000, DefaultTtl = TimeSpan.FromMinutes(5) };
/// using var storage = new AtomicLruStorage&lt;Report&gt;(options);
/// </code>
/// </example>
public sealed class AtomicLruOptions
{
    /// <summary>The smallest <see cref="SizeLimitInBytes"/> accepted.</summary>
    public const long MinimumSizeLimitInBytes = 4096;

    /// <summary>
    /// Most bytes the serialized cache holds, counting payload, key and each entry's bookkeeping;
    /// <see langword="null"/> (the default) for no byte limit. When set, at least
    /// <see cref="MinimumSizeLimitInBytes"/>. <see cref="AtomicLruStorage{T}"/> keeps references, whose
    /// size it cannot know, and ignores this limit: bound it with <see cref="MaxItems"/>.
    /// </summary>
    public long? SizeLimitInBytes { get; set; }

    /// <summary>
    /// Largest entry the serialized cache stores (payload, key and bookkeeping, as counted against
    /// <see cref="SizeLimitInBytes"/>); a bigger value is not stored, and the older value under its key is
    /// removed. <see langword="null"/> (the default) means half of <see cref="SizeLimitInBytes"/>, as in the
    /// seed library, or no per-entry limit when there is no byte limit. When set, positive and at most
    /// <see cref="SizeLimitInBytes"/>.
    /// </summary>
    public long? MaxItemSizeInBytes { get; set; }

    /// <summary>
    /// Most entries held; <see langword="null"/> (the default) for no count limit. When set, at least 1. A cache
    /// never holds more than 2^30 - 1 entries (its recency order numbers them in an int), so a larger value, or
    /// none, acts as that.
    /// </summary>
    public int? MaxItems { get; set; }

    /// <summary>
    /// Time to live of entries stored without one; <see langword="null"/> (the default) or
    /// <see cref="Timeout.InfiniteTimeSpan"/> for entries that live until evicted or removed. When set, positive.
    /// </summary>
    public TimeSpan? DefaultTtl { get; set; }

    /// <summary>
    /// How often expired entries are reclaimed in the background, without waiting for a read or a write.
    /// Defaults to one second, which is also the resolution of reclaim; from 1 millisecond to 1 day (a timer
    /// cannot tick more often than once a millisecond, and a day is far past any useful reclaim delay).
    /// </summary>
    public TimeSpan ExpirationScanFrequency { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Which entry a full cache evicts: <see cref="AtomicLruEvictionPolicy.Lru"/> (the default, exact LRU) or
    /// <see cref="AtomicLruEvictionPolicy.TinyLfu"/> (Window TinyLFU: better hit ratios when the workload scans or loops).
    /// Every other promise is the same under both: a <c>Set</c> stores its entry, the limits hold once it returns, TTL,
    /// callbacks and statistics. Read when a cache is created: a running cache keeps the policy it was created with.
    /// </summary>
    public AtomicLruEvictionPolicy EvictionPolicy { get; set; }

    /// <summary>
    /// Whether eviction logs (Debug) and refusals (Warning) name the key. Off by default: keys can hold
    /// personal data (user ids, e-mail addresses).
    /// </summary>
    public bool LogKeys { get; set; }

    /// <summary>
    /// Throws if a setting is out of range. Called by every cache constructor, so a bad setting fails at
    /// start-up rather than at first use.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        if (SizeLimitInBytes is long size && size < MinimumSizeLimitInBytes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(SizeLimitInBytes), size, $"AtomicLruOptions.SizeLimitInBytes must be at least {MinimumSizeLimitInBytes} (or null for no limit); it was {size}.");
        }

        if (MaxItemSizeInBytes is long itemSize && (itemSize <= 0 || itemSize > (SizeLimitInBytes ?? long.MaxValue)))
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxItemSizeInBytes), itemSize, $"AtomicLruOptions.MaxItemSizeInBytes must be positive and at most SizeLimitInBytes ({SizeLimitInBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}); it was {itemSize}.");
        }

        if (MaxItems is int items && items < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxItems), items, $"AtomicLruOptions.MaxItems must be at least 1 (or null for no limit); it was {items}.");
        }

        if (DefaultTtl is TimeSpan ttl && ttl <= TimeSpan.Zero && ttl != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(DefaultTtl), ttl, $"AtomicLruOptions.DefaultTtl must be positive, Timeout.InfiniteTimeSpan, or null; it was {ttl}.");
        }

        if (!Enum.IsDefined(EvictionPolicy))
        {
            throw new ArgumentOutOfRangeException(
                nameof(EvictionPolicy), EvictionPolicy, $"AtomicLruOptions.EvictionPolicy must be Lru or TinyLfu; it was {(int)EvictionPolicy}.");
        }

        if (ExpirationScanFrequency < MinExpirationScanFrequency || ExpirationScanFrequency > MaxExpirationScanFrequency)
        {
            throw new ArgumentOutOfRangeException(
                nameof(ExpirationScanFrequency), ExpirationScanFrequency, $"AtomicLruOptions.ExpirationScanFrequency must be from 1 millisecond to 1 day; it was {ExpirationScanFrequency}.");
        }
    }

    /// <summary>The least <see cref="ExpirationScanFrequency"/>: a timer period under a millisecond truncates to none, and the timer would tick once.</summary>
    internal static readonly TimeSpan MinExpirationScanFrequency = TimeSpan.FromMilliseconds(1);

    /// <summary>The most <see cref="ExpirationScanFrequency"/>: well under the longest period a timer takes (about 49 days).</summary>
    internal static readonly TimeSpan MaxExpirationScanFrequency = TimeSpan.FromDays(1);

    /// <summary>
    /// A checked copy (see <see cref="Validate"/>), so that a cache keeps the settings it was given whatever happens to the
    /// original afterwards.
    /// </summary>
    internal AtomicLruOptions ValidatedCopy()
    {
        Validate();
        return (AtomicLruOptions)MemberwiseClone();
    }

    /// <summary>The per-entry maximum in effect: <see cref="MaxItemSizeInBytes"/>, else half of <see cref="SizeLimitInBytes"/>, else none.</summary>
    internal long? EffectiveMaxItemSizeInBytes => MaxItemSizeInBytes ?? SizeLimitInBytes / 2;

    /// <summary>
    /// The time to live an entry gets: <paramref name="ttl"/> if given, else <see cref="DefaultTtl"/>,
    /// else never. Throws for zero or negative values other than <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    internal TimeSpan ResolveTtl(TimeSpan? ttl, string paramName = "ttl")
    {
        if (ttl is TimeSpan given)
        {
            ThrowIfBadTtl(given, paramName);
            return given;
        }

        return DefaultTtl ?? Timeout.InfiniteTimeSpan;
    }

    /// <summary>Throws for a time to live that is zero or negative and not <see cref="Timeout.InfiniteTimeSpan"/>; null is fine.</summary>
    internal static void ThrowIfBadTtl(TimeSpan? ttl, string paramName = "ttl")
    {
        if (ttl is TimeSpan given && given <= TimeSpan.Zero && given != Timeout.InfiniteTimeSpan)
        {
            ThrowBadTtl(given, paramName);
        }
    }

    private static void ThrowBadTtl(TimeSpan ttl, string paramName)
        => throw new ArgumentOutOfRangeException(paramName, ttl, $"A time to live must be positive or Timeout.InfiniteTimeSpan; it was {ttl}.");
}
