namespace AtomicLru.Engine;

/// <summary>A snapshot of the engine's counters; faces turn it into their public statistics.</summary>
internal readonly record struct EngineCounters(
    long Hits,
    long Misses,
    int Count,
    long Size,
    long CapacityEvictions,
    long Expirations,
    long Removals,
    long Replacements,
    long ClearedEntries,
    long OversizedRejections)
{
    internal AtomicLruStatistics ToStatistics() => new()
    {
        Hits = Hits,
        Misses = Misses,
        Count = Count,
        SizeInBytes = Size,
        CapacityEvictions = CapacityEvictions,
        Expirations = Expirations,
        Removals = Removals,
        Replacements = Replacements,
        ClearedEntries = ClearedEntries,
        OversizedRejections = OversizedRejections,
    };
}
