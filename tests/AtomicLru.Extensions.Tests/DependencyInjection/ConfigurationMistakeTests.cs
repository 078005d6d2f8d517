using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AtomicLru;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// Mistakes in an AtomicLru configuration section stop the host at start with an error that names them: a typo in a
/// key (with the nearest valid name), a value that does not parse (with the value and the form expected); a missing
/// section is logged once as a Warning, since the cache then has no limits.
/// </summary>
public sealed class ConfigurationMistakeTests
{
    private static IHost Host(IEnumerable<KeyValuePair<string, string?>> settings, string section = "AtomicLru")
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        builder.Services.AddAtomicLru(builder.Configuration.GetSection(section));
        return builder.Build();
    }

    [Theory]
    [InlineData("MaxItem", "MaxItems")]
    [InlineData("SizeLimitInByte", "SizeLimitInBytes")]
    [InlineData("defualtTtl", "DefaultTtl")]
    [InlineData("ExpirationScanFreqency", "ExpirationScanFrequency")]
    [InlineData("MaxItemSize", "MaxItemSizeInBytes")]
    public async Task An_unknown_key_stops_the_host_naming_it_and_the_nearest_valid_name(string typo, string meant)
    {
        using IHost host = Host([new($"AtomicLru:{typo}", "5")]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"AtomicLru:{typo} is not an AtomicLru option; did you mean {meant}?", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DefaultTtl", "abc", "a time span, for example \"00:05:00\"")]
    [InlineData("ExpirationScanFrequency", "soon", "a time span")]
    [InlineData("MaxItems", "lots", "a whole number")]
    [InlineData("MaxItems", "99999999999", "a whole number")]
    [InlineData("SizeLimitInBytes", "100 MB", "a whole number of bytes")]
    [InlineData("LogKeys", "yes", "true or false")]
    [InlineData("EvictionPolicy", "Lfu", "Lru or TinyLfu")]
    [InlineData("EvictionPolicy", "1", "Lru or TinyLfu")]
    public async Task A_value_that_does_not_parse_stops_the_host_naming_key_value_and_form(string key, string value, string form)
    {
        using IHost host = Host([new($"AtomicLru:{key}", value)]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"AtomicLru:{key} is '{value}', which is not {form}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_mistake_is_reported_at_once()
    {
        using IHost host = Host([new("AtomicLru:MaxItem", "5"), new("AtomicLru:DefaultTtl", "abc")]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(2, error.Failures.Count());
    }

    [Fact]
    public async Task Keys_match_without_regard_to_case_and_an_empty_value_leaves_a_limit_unset()
    {
        using IHost host = Host([new("AtomicLru:maxitems", "5"), new("AtomicLru:DEFAULTTTL", "00:01:00"), new("AtomicLru:SizeLimitInBytes", "")]);
        await host.StartAsync();

        AtomicLruOptions options = host.Services.GetRequiredService<IOptions<AtomicLruOptions>>().Value;
        Assert.Equal(5, options.MaxItems);
        Assert.Equal(TimeSpan.FromMinutes(1), options.DefaultTtl);
        Assert.Null(options.SizeLimitInBytes);
        Assert.DoesNotContain(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level >= LogLevel.Warning);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("TinyLfu", AtomicLruEvictionPolicy.TinyLfu)]
    [InlineData("tinylfu", AtomicLruEvictionPolicy.TinyLfu)]
    [InlineData("Lru", AtomicLruEvictionPolicy.Lru)]
    [InlineData("", AtomicLruEvictionPolicy.Lru)]
    public async Task EvictionPolicy_binds_by_name_and_reaches_every_face(string value, AtomicLruEvictionPolicy expected)
    {
        using IHost host = Host([new("AtomicLru:MaxItems", "100"), new("AtomicLru:EvictionPolicy", value)]);
        await host.StartAsync();

        Assert.Equal(expected, host.Services.GetRequiredService<IOptions<AtomicLruOptions>>().Value.EvictionPolicy);
        var storage = (AtomicLruStorage<string>)host.Services.GetRequiredService<IAtomicLruStorage<string>>();
        for (int i = 0; i < 100; i++)
        {
            storage.Set($"hot{i}", "v");
        }

        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                storage.TryGet($"hot{i}", out _); // read again and again: what TinyLfu keeps through a scan
            }
        }

        for (int i = 0; i < 1000; i++)
        {
            storage.Set($"scan{i}", "v");
        }

        int survivors = Enumerable.Range(0, 100).Count(i => storage.TryGet($"hot{i}", out _));
        Assert.True(expected == AtomicLruEvictionPolicy.TinyLfu ? survivors >= 50 : survivors == 0, $"{survivors} hot entries survived a scan"); // TinyLfu keeps most; LRU none
        await host.StopAsync();
    }

    [Fact]
    public async Task A_missing_section_starts_an_unbounded_cache_and_logs_one_warning_saying_so()
    {
        using IHost host = Host([new("Other:MaxItems", "5")], section: "AtomicLru");
        await host.StartAsync();
        IMemoryCache memory = host.Services.GetRequiredService<IMemoryCache>();
        IAtomicLruCache cache = host.Services.GetRequiredService<IAtomicLruCache>();
        memory.Set("k", 1);
        cache.Set("k", 1);

        FakeLogRecord warning = Assert.Single(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("AtomicLru is missing or empty", warning.Message, StringComparison.Ordinal);
        Assert.Contains("no limits", warning.Message, StringComparison.Ordinal);
        Assert.Null(host.Services.GetRequiredService<IOptions<AtomicLruOptions>>().Value.MaxItems);
        await host.StopAsync();
    }
}
