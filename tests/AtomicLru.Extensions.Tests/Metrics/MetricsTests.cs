using System.Diagnostics.Metrics;
using System.Linq;
using AtomicLru;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>The AtomicLru meter, through the container's IMeterFactory, observed with MetricCollector.</summary>
public sealed class MetricsTests
{
    [Fact]
    public void Requests_evictions_entries_and_size_are_measured_per_cache()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddAtomicLru(o => o.MaxItems = 2);
        using ServiceProvider provider = services.BuildServiceProvider();
        IMeterFactory meters = provider.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, "AtomicLru", "dotnet.cache.requests");
        using var evictions = new MetricCollector<long>(meters, "AtomicLru", "dotnet.cache.evictions");
        using var entries = new MetricCollector<long>(meters, "AtomicLru", "dotnet.cache.entries");
        using var size = new MetricCollector<long>(meters, "AtomicLru", "dotnet.cache.estimated_size");

        IMemoryCache memory = provider.GetRequiredService<IMemoryCache>();
        IDistributedCache distributed = provider.GetRequiredService<IDistributedCache>();
        memory.Set("a", 1);
        memory.TryGetValue("a", out _);
        memory.TryGetValue("a", out _);
        memory.TryGetValue("missing", out _);
        distributed.Set("x", new byte[10]);
        distributed.Set("y", new byte[10]);
        distributed.Set("z", new byte[10]); // evicts x

        requests.RecordObservableInstruments();
        evictions.RecordObservableInstruments();
        entries.RecordObservableInstruments();
        size.RecordObservableInstruments();

        long Value(MetricCollector<long> collector, string cache, string? tag = null, string? tagValue = null)
            => collector.GetMeasurementSnapshot().Last(m =>
                (string?)m.Tags["cache.name"] == cache && (tag is null || (string?)m.Tags[tag] == tagValue)).Value;

        Assert.Equal(2, Value(requests, nameof(AtomicLruMemoryCache), "cache.request.type", "hit"));
        Assert.Equal(1, Value(requests, nameof(AtomicLruMemoryCache), "cache.request.type", "miss"));
        Assert.Equal(1, Value(evictions, nameof(AtomicLruCache), "cache.eviction.reason", "capacity"));
        Assert.Equal(1, Value(entries, nameof(AtomicLruMemoryCache)));
        Assert.Equal(2, Value(entries, nameof(AtomicLruCache)));
        Assert.Equal(provider.GetRequiredService<IAtomicLruCache>().SizeInBytes, Value(size, nameof(AtomicLruCache)));
    }

    [Fact]
    public void Without_a_meter_factory_there_are_no_metrics_and_nothing_fails()
    {
        using ServiceProvider provider = new ServiceCollection().AddAtomicLru().BuildServiceProvider();
        provider.GetRequiredService<IMemoryCache>().Set("k", 1);
        Assert.True(provider.GetRequiredService<IMemoryCache>().TryGetValue("k", out _));
    }
}
