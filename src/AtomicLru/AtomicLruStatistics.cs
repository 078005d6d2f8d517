namespace AtomicLru;

/// <summary>A snapshot of a cache's counters since it was created.</summary>
/// <remarks>Read without stopping the cache: under concurrent use, the counters are each exact but not
/// taken at one instant.</remarks>
public sealed class AtomicLruStatistics
{
    /// <summary>Lookups that found an unexpired entry.</summary>
    public long Hits { get; init; }

    /// <summary>Lookups that found nothing, or only an expired entry.</summary>
    public long Misses { get; init; }

    /// <summary><see cref="Hits"/> over all lookups; 0 before the first lookup.</summary>
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    /// <summary>Entries held now, including expired ones not reclaimed yet (reclaim runs about once a second).</summary>
    public int Count { get; init; }

    /// <summary>Bytes charged against the size limit now (0 for <see cref="AtomicLruStorage{T}"/>, which has none).</summary>
    public long SizeInBytes { get; init; }

    /// <summary>Entries evicted as least recently used to keep the cache within its limits.</summary>
    public long CapacityEvictions { get; init; }

    /// <summary>Entries removed because their time to live ran out.</summary>
    public long Expirations { get; init; }

    /// <summary>Entries removed by an explicit <c>Remove</c>.</summary>
    public long Removals { get; init; }

    /// <summary>Values overwritten by a <c>Set</c> on their key.</summary>
    public long Replacements { get; init; }

    /// <summary>Entries dropped by <c>Clear</c>.</summary>
    public long ClearedEntries { get; init; }

    /// <summary>Values not stored because they were larger than <see cref="AtomicLruOptions.MaxItemSizeInBytes"/>.</summary>
    public long OversizedRejections { get; init; }

    /// <summary>Every figure on one line, for logs: <c>Hits=90 Misses=10 HitRatio=90.0% Count=...</c> (invariant culture).</summary>
    /// <returns>The figures, each as <c>Name=value</c>, separated by spaces.</returns>
    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"Hits={Hits} Misses={Misses} HitRatio={HitRatio * 100:F1}% Count={Count} SizeInBytes={SizeInBytes} CapacityEvictions={CapacityEvictions} Expirations={Expirations} Removals={Removals} Replacements={Replacements} ClearedEntries={ClearedEntries} OversizedRejections={OversizedRejections}");
}
