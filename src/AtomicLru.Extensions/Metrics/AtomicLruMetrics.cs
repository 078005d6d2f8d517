using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using AtomicLru.Engine;

namespace AtomicLru.Extensions.Metrics;

/// <summary>
/// The <c>AtomicLru</c> meter, made through <see cref="IMeterFactory"/>: observable instruments that read
/// the caches' own counters when a listener collects, so the hot paths pay nothing for metrics.
/// </summary>
/// <remarks>
/// Instruments, each tagged <c>cache.name</c> (<c>AtomicLruMemoryCache</c>, <c>AtomicLruCache</c>):
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
    private readonly List<(KeyValuePair<string, object?> Name, Func<EngineCounters> Read)> _caches = [];

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

    /// <summary>Adds a cache to every instrument under <paramref name="cacheName"/>.</summary>
    internal void Observe(string cacheName, Func<EngineCounters> read)
    {
        if (!_enabled)
        {
            return;
        }

        lock (_gate)
        {
            _caches.Add((new KeyValuePair<string, object?>("cache.name", cacheName), read));
        }
    }

    private List<Measurement<long>> ObserveEach(Func<EngineCounters, long> value)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (name, read) in Snapshot())
        {
            measurements.Add(new Measurement<long>(value(read()), name));
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveRequests()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (name, read) in Snapshot())
        {
            EngineCounters counters = read();
            measurements.Add(new Measurement<long>(counters.Hits, name, new("cache.request.type", "hit")));
            measurements.Add(new Measurement<long>(counters.Misses, name, new("cache.request.type", "miss")));
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveEvictions()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (name, read) in Snapshot())
        {
            EngineCounters c = read();
            measurements.Add(Eviction(c.CapacityEvictions, name, "capacity"));
            measurements.Add(Eviction(c.Expirations, name, "expired"));
            measurements.Add(Eviction(c.Removals, name, "removed"));
            measurements.Add(Eviction(c.Replacements, name, "replaced"));
            measurements.Add(Eviction(c.ClearedEntries, name, "cleared"));
            measurements.Add(Eviction(c.OversizedRejections, name, "oversized"));
        }

        return measurements;
    }

    private static Measurement<long> Eviction(long value, KeyValuePair<string, object?> name, string reason)
        => new(value, name, new("cache.eviction.reason", reason));

    private (KeyValuePair<string, object?> Name, Func<EngineCounters> Read)[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _caches];
        }
    }
}
