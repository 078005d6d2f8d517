using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using AtomicLru.Engine;

namespace AtomicLru.Extensions.Metrics;

/// <summary>
/// The <c>AtomicLru</c> meter, made through <see cref="IMeterFactory"/>: observable instruments that read
/// the caches' own counters when a listener collects, so the hot paths pay nothing for metrics.
/// </summary>
/// <remarks>
/// Instruments, each tagged <c>cache.name</c> (a named cache's name; for the unnamed caches, the face:
/// <c>AtomicLruMemoryCache</c>, <c>AtomicLruCache</c>) and <c>cache.face</c> (the face, which tells a named cache's
/// <c>IMemoryCache</c> from its serialized cache):
/// <c>dotnet.cache.requests</c> (counter, tag <c>cache.request.type</c> = <c>hit</c> | <c>miss</c>),
/// <c>dotnet.cache.evictions</c> (counter, tag <c>cache.eviction.reason</c> = <c>capacity</c> | <c>expired</c> |
/// <c>removed</c> | <c>replaced</c> | <c>cleared</c> | <c>oversized</c>), <c>dotnet.cache.entries</c> and
/// <c>dotnet.cache.estimated_size</c> (up-down counters; bytes).
/// </remarks>
internal sealed class AtomicLruMetrics
{
    /// <summary>The meter's name, for <c>dotnet-counters --counters AtomicLru</c> and OpenTelemetry's <c>AddMeter</c>.</summary>
    internal const string MeterName = "AtomicLru";

    private readonly Lock _gate = new();
    private readonly bool _enabled;
    private readonly List<(TagList Tags, Func<EngineCounters> Read)> _caches = [];

    /// <param name="meterFactory">Makes the meter; null for no metrics (then <see cref="Observe"/> does nothing).</param>
    internal AtomicLruMetrics(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return;
        }

        Meter meter = meterFactory.Create(MeterName);
        _enabled = true;
        meter.CreateObservableCounter("dotnet.cache.requests", ObserveRequests, "{request}", "Cache lookups, by outcome.");
        meter.CreateObservableCounter("dotnet.cache.evictions", ObserveEvictions, "{entry}", "Entries that left the cache, by reason.");
        meter.CreateObservableUpDownCounter("dotnet.cache.entries", () => ObserveEach(c => c.Count), "{entry}", "Entries held.");
        meter.CreateObservableUpDownCounter("dotnet.cache.estimated_size", () => ObserveEach(c => c.Size), "By", "Bytes charged against the size limit.");
    }

    /// <summary>Adds a cache to every instrument, tagged <paramref name="cacheName"/> and <paramref name="face"/>.</summary>
    internal void Observe(string cacheName, string face, Func<EngineCounters> read)
    {
        if (!_enabled)
        {
            return;
        }

        lock (_gate)
        {
            _caches.Add((new TagList { { "cache.name", cacheName }, { "cache.face", face } }, read));
        }
    }

    private List<Measurement<long>> ObserveEach(Func<EngineCounters, long> value)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (tags, read) in Snapshot())
        {
            measurements.Add(new Measurement<long>(value(read()), tags));
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveRequests()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (tags, read) in Snapshot())
        {
            EngineCounters counters = read();
            measurements.Add(With(counters.Hits, tags, "cache.request.type", "hit"));
            measurements.Add(With(counters.Misses, tags, "cache.request.type", "miss"));
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveEvictions()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (tags, read) in Snapshot())
        {
            EngineCounters c = read();
            measurements.Add(With(c.CapacityEvictions, tags, EvictionReason, "capacity"));
            measurements.Add(With(c.Expirations, tags, EvictionReason, "expired"));
            measurements.Add(With(c.Removals, tags, EvictionReason, "removed"));
            measurements.Add(With(c.Replacements, tags, EvictionReason, "replaced"));
            measurements.Add(With(c.ClearedEntries, tags, EvictionReason, "cleared"));
            measurements.Add(With(c.OversizedRejections, tags, EvictionReason, "oversized"));
        }

        return measurements;
    }

    private const string EvictionReason = "cache.eviction.reason";

    /// <summary>A measurement with the cache's tags and one more.</summary>
    private static Measurement<long> With(long value, TagList cacheTags, string key, string tagValue)
    {
        TagList tags = cacheTags; // a copy: TagList is a struct
        tags.Add(key, tagValue);
        return new Measurement<long>(value, tags);
    }

    private (TagList Tags, Func<EngineCounters> Read)[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _caches];
        }
    }
}
