using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using AtomicLru;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// Named caches: every face as a keyed service under its name, with its own options, limits, logs and metrics, beside
/// the unnamed caches.
/// </summary>
public sealed class NamedCacheTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["AtomicLru:MaxItems"] = "100",
        ["AtomicLru:Caches:sessions:MaxItems"] = "2",
        ["AtomicLru:Caches:sessions:DefaultTtl"] = "00:20:00",
        ["AtomicLru:Caches:products:SizeLimitInBytes"] = "1048576",
    };

    private static ServiceProvider Build(IDictionary<string, string?> settings, Action<IServiceCollection>? more = null)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        services.AddMetrics();
        services.AddAtomicLru(configuration.GetSection("AtomicLru"));
        services.AddAtomicLru("sessions", configuration.GetSection("AtomicLru:Caches:sessions"));
        services.AddAtomicLru("products", configuration.GetSection("AtomicLru:Caches:products"));
        more?.Invoke(services);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Every_face_resolves_under_the_name_and_the_faces_of_one_name_are_one_cache_each()
    {
        using ServiceProvider services = Build(Settings);

        var memory = services.GetRequiredKeyedService<IMemoryCache>("sessions");
        Assert.Same(services.GetRequiredKeyedService<AtomicLruMemoryCache>("sessions"), memory);
        var distributed = services.GetRequiredKeyedService<IDistributedCache>("sessions");
        Assert.Same(distributed, services.GetRequiredKeyedService<IBufferDistributedCache>("sessions"));
        Assert.Same(distributed, services.GetRequiredKeyedService<AtomicLruDistributedCache>("sessions"));
        Assert.Same(services.GetRequiredKeyedService<AtomicLruCache>("sessions"), services.GetRequiredKeyedService<IAtomicLruCache>("sessions"));
        Assert.Same(services.GetRequiredKeyedService<IAtomicLruStorage<Uri>>("sessions"), services.GetRequiredKeyedService<IAtomicLruStorage<Uri>>("sessions"));

        Assert.NotSame(memory, services.GetRequiredService<IMemoryCache>());
        Assert.NotSame(memory, services.GetRequiredKeyedService<IMemoryCache>("products"));
        Assert.NotSame(distributed, services.GetRequiredService<IDistributedCache>());
        Assert.NotSame(services.GetRequiredKeyedService<IAtomicLruStorage<Uri>>("sessions"), services.GetRequiredService<IAtomicLruStorage<Uri>>());
        Assert.Null(services.GetKeyedService<IMemoryCache>("unregistered"));
    }

    [Fact]
    public void Entries_stay_in_their_cache_and_each_name_keeps_its_own_limits()
    {
        using ServiceProvider services = Build(Settings);
        var sessions = services.GetRequiredKeyedService<IDistributedCache>("sessions");
        var products = services.GetRequiredKeyedService<IDistributedCache>("products");
        var unnamed = services.GetRequiredService<IDistributedCache>();

        for (int i = 0; i < 5; i++)
        {
            sessions.SetString($"k{i}", "s");
            products.SetString($"k{i}", "p");
            unnamed.SetString($"k{i}", "u");
        }

        Assert.Equal(2, services.GetRequiredKeyedService<IAtomicLruCache>("sessions").Count); // MaxItems 2
        Assert.Equal(5, services.GetRequiredKeyedService<IAtomicLruCache>("products").Count);
        Assert.Equal(5, services.GetRequiredService<IAtomicLruCache>().Count);
        Assert.Equal("p", products.GetString("k0"));
        Assert.Equal("u", unnamed.GetString("k0"));
        Assert.Null(sessions.GetString("k0"));
        Assert.Equal("s", sessions.GetString("k4"));

        var storage = services.GetRequiredKeyedService<IAtomicLruStorage<string>>("sessions");
        for (int i = 0; i < 5; i++)
        {
            storage.Set($"k{i}", "v");
        }

        Assert.Equal(2, storage.Count);
        Assert.Equal(TimeSpan.FromMinutes(20), services.GetRequiredService<IOptionsMonitor<AtomicLruOptions>>().Get("sessions").DefaultTtl);
    }

    [Fact]
    public void Named_options_configured_in_code_apply_to_that_name_only()
    {
        var services = new ServiceCollection();
        services.AddAtomicLru(o => o.MaxItems = 10);
        services.AddAtomicLru("tiny", o => o.MaxItems = 1);
        using ServiceProvider provider = services.BuildServiceProvider();
        var tiny = provider.GetRequiredKeyedService<IMemoryCache>("tiny");
        var unnamed = provider.GetRequiredService<IMemoryCache>();

        tiny.Set("a", 1);
        tiny.Set("b", 2);
        unnamed.Set("a", 1);
        unnamed.Set("b", 2);

        Assert.Equal(1, ((AtomicLruMemoryCache)tiny).Count);
        Assert.Equal(2, ((AtomicLruMemoryCache)unnamed).Count);
    }

    [Fact]
    public void A_named_cache_needs_no_unnamed_one_and_registering_a_name_twice_adds_no_second_cache()
    {
        var services = new ServiceCollection();
        services.AddAtomicLru("sessions", o => o.MaxItems = 5);
        services.AddAtomicLru("sessions", o => o.DefaultTtl = TimeSpan.FromMinutes(1)); // adds configuration
        Assert.Single(services, d => d.IsKeyedService && Equals(d.ServiceKey, "sessions") && d.ServiceType == typeof(IMemoryCache));
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Null(provider.GetService<IMemoryCache>());
        AtomicLruOptions options = provider.GetRequiredService<IOptionsMonitor<AtomicLruOptions>>().Get("sessions");
        Assert.Equal(5, options.MaxItems);
        Assert.Equal(TimeSpan.FromMinutes(1), options.DefaultTtl);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void A_missing_or_blank_name_throws_at_the_call(string? name)
    {
        var services = new ServiceCollection();
        Assert.ThrowsAny<ArgumentException>(() => services.AddAtomicLru(name!, o => o.MaxItems = 1));
        Assert.ThrowsAny<ArgumentException>(() => services.AddAtomicLru(name!, new ConfigurationBuilder().Build()));
        Assert.Empty(services);
    }

    [Fact]
    public async Task A_mistake_in_a_named_section_stops_the_host_naming_the_full_key()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AtomicLru:Caches:sessions:MaxItem"] = "5",
            ["AtomicLru:Caches:products:MaxItems"] = "0",
        });
        builder.Services.AddAtomicLru("sessions", builder.Configuration.GetSection("AtomicLru:Caches:sessions"));
        builder.Services.AddAtomicLru("products", builder.Configuration.GetSection("AtomicLru:Caches:products"));
        builder.Services.AddAtomicLru("coded", o => o.SizeLimitInBytes = 1);
        using IHost host = builder.Build();

        var error = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync());

        string[] messages = [.. error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures)];
        Assert.Contains(messages, m => m.StartsWith("AtomicLru:Caches:sessions:MaxItem is not an AtomicLru option; did you mean MaxItems?", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("AtomicLru:Caches:products:MaxItems: ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("AtomicLru['coded']:SizeLimitInBytes: ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_unnamed_section_may_hold_the_named_caches_sections_without_complaint()
    {
        using ServiceProvider services = Build(Settings);
        AtomicLruOptions unnamed = services.GetRequiredService<IOptions<AtomicLruOptions>>().Value; // would throw on an unknown key
        Assert.Equal(100, unnamed.MaxItems);
    }

    [Fact]
    public void Logs_name_the_cache()
    {
        using ServiceProvider services = Build(Settings);
        var sessions = services.GetRequiredKeyedService<IMemoryCache>("sessions");
        for (int i = 0; i < 3; i++)
        {
            sessions.Set(i, i);
        }

        FakeLogRecord eviction = Assert.Single(services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 10);
        Assert.StartsWith("AtomicLruMemoryCache 'sessions': an entry left the cache (Capacity", eviction.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_are_tagged_with_the_cache_name_and_face()
    {
        using ServiceProvider services = Build(Settings);
        using var entries = new MetricCollector<long>(services.GetRequiredService<IMeterFactory>(), "AtomicLru", "dotnet.cache.entries");
        services.GetRequiredKeyedService<IMemoryCache>("sessions").Set("a", 1);
        services.GetRequiredKeyedService<IDistributedCache>("sessions").SetString("a", "1");
        services.GetRequiredKeyedService<IDistributedCache>("sessions").SetString("b", "2");
        services.GetRequiredService<IMemoryCache>().Set("a", 1);

        entries.RecordObservableInstruments();

        var latest = entries.GetMeasurementSnapshot()
            .GroupBy(m => ((string?)m.Tags["cache.name"], (string?)m.Tags["cache.face"]))
            .ToDictionary(g => g.Key, g => g.Last().Value);
        Assert.Equal(1, latest[("sessions", nameof(AtomicLruMemoryCache))]);
        Assert.Equal(2, latest[("sessions", nameof(AtomicLruCache))]);
        Assert.Equal(1, latest[(nameof(AtomicLruMemoryCache), nameof(AtomicLruMemoryCache))]);
    }

    [Fact]
    public async Task A_minimal_API_takes_a_named_cache_with_FromKeyedServices()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAtomicLru("sessions", o => o.MaxItems = 100);
        builder.Services.AddAtomicLru(o => o.MaxItems = 100);
        await using WebApplication app = builder.Build();
        app.MapPut("/s/{key}", async (string key, [FromKeyedServices("sessions")] IDistributedCache cache) =>
        {
            await cache.SetStringAsync(key, "in sessions");
            return Results.NoContent();
        });
        app.MapGet("/s/{key}", async (string key, [FromKeyedServices("sessions")] IDistributedCache cache, IDistributedCache unnamed)
            => Results.Ok(new[] { await cache.GetStringAsync(key), await unnamed.GetStringAsync(key) ?? "absent" }));
        await app.StartAsync();
        HttpClient client = app.GetTestClient();

        (await client.PutAsync("/s/user1", content: null)).EnsureSuccessStatusCode();
        string body = await client.GetStringAsync("/s/user1");

        Assert.Equal("""["in sessions","absent"]""", body);
    }

    [Fact]
    public void A_reload_of_one_named_section_changes_that_cache_only()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AtomicLru:MaxItems"] = "10",
            ["AtomicLru:Caches:sessions:MaxItems"] = "10",
        });
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging());
        services.AddAtomicLru(configuration.GetSection("AtomicLru"));
        services.AddAtomicLru("sessions", configuration.GetSection("AtomicLru:Caches:sessions"));
        using ServiceProvider provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredKeyedService<IAtomicLruStorage<int>>("sessions");
        var unnamed = provider.GetRequiredService<IAtomicLruStorage<int>>();
        for (int i = 0; i < 10; i++)
        {
            sessions.Set($"k{i}", i);
            unnamed.Set($"k{i}", i);
        }

        configuration["AtomicLru:Caches:sessions:MaxItems"] = "3";
        ((IConfigurationRoot)configuration).Reload();

        Assert.Equal(3, sessions.Count);
        Assert.Equal(10, unnamed.Count);
        FakeLogRecord change = Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 21);
        Assert.Equal("AtomicLruStorage<Int32> 'sessions': options reloaded: MaxItems 10 -> 3.", change.Message);
    }
}
