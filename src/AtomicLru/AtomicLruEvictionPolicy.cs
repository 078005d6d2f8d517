namespace AtomicLru;

/// <summary>Which entry a full cache evicts to make room: <see cref="AtomicLruOptions.EvictionPolicy"/>.</summary>
public enum AtomicLruEvictionPolicy
{
    /// <summary>
    /// Exact least recently used (the default): the entry read or written longest ago leaves. Simple and predictable;
    /// a scan or a loop larger than the cache evicts everything, and then nothing hits.
    /// </summary>
    Lru,

    /// <summary>
    /// Window TinyLFU: a new entry enters a small window (from 0.1 % of the limits, at least one entry, resized as keys it
    /// gave up come back) and is always stored and readable at once; when the window overflows, its oldest entry stays
    /// only if it was seen clearly more often lately than the entry main would evict. Scans, loops and one-hit wonders
    /// no longer push out the entries that are read again and again. Costs a frequency sketch of 8 bytes per entry of
    /// <see cref="AtomicLruOptions.MaxItems"/>.
    /// </summary>
    TinyLfu,
}
