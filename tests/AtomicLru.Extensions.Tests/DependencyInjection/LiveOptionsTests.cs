using System;
using System.IO;
using System.Linq;
using AtomicLru;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// Caches registered with <c>AddAtomicLru</c> follow their options while they run: an appsettings-style JSON file is
/// rewritten and the configuration reloaded (what <c>reloadOnChange</c> does when the file watcher fires), and each
/// cache applies the change before the reload returns.
/// </summary>
public sealed class LiveOptionsTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"atomiclru-live-{Guid.NewGuid():N}.json");
    private readonly FakeTimeProvider _time = new();
    private IConfigurationRoot? _configuration;
    private ServiceProvider? _services;

    private ServiceProvider Start(string atomicLru)
    {
        File.WriteAllText(_file, $$"""{ "AtomicLru": {{atomicLru}} }""");
        _configuration = new ConfigurationBuilder().AddJsonFile(_file, optional: false, reloadOnChange: false).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        services.AddAtomicLru(_configuration.GetSection("AtomicLru"));
        return _services = services.BuildServiceProvider();
    }

    /// <summary>Rewrites the file and reloads it, as the file watcher would. What the reload threw, if anything.</summary>
    private Exception? Reload(string atomicLru)
    {
        File.WriteAllText(_file, $$"""{ "AtomicLru": {{atomicLru}} }""");
        return Record.Exception(() => _configuration!.Reload());
    }

    private FakeLogRecord[] Logs(int eventId) => [.. _services!.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == eventId)];

    public void Dispose()
    {
        _services?.Dispose();
        File.Delete(_file);
    }

    [Fact]
    public void A_smaller_MaxItems_evicts_the_least_recently_used_before_the_reload_returns_and_is_logged_once()
    {
        ServiceProvider services = Start("""{ "MaxItems": 10 }""");
        var cache = services.GetRequiredService<IMemoryCache>();
        for (int i = 0; i < 10; i++)
        {
            cache.Set(i, i);
        }

        Assert.True(cache.TryGetValue(0, out _)); // 0 is now the most recent; 1, 2, ... the least

        Assert.Null(Reload("""{ "MaxItems": 4 }"""));

        var atomic = (AtomicLruMemoryCache)cache;
        Assert.Equal(4, atomic.Count);
        Assert.Equal([0, 7, 8, 9], Enumerable.Range(0, 10).Where(i => cache.TryGetValue(i, out _)));
        FakeLogRecord change = Assert.Single(Logs(21), r => r.Message.StartsWith("AtomicLruMemoryCache:", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, change.Level);
        Assert.Equal("AtomicLruMemoryCache: options reloaded: MaxItems 10 -> 4.", change.Message);
        atomic.Engine.CheckInvariants();

        for (int i = 10; i < 20; i++)
        {
            cache.Set(i, i);
        }

        Assert.Equal(4, atomic.Count); // the new limit holds for writes too
    }

    [Fact]
    public void A_larger_limit_keeps_every_entry_and_lets_the_cache_grow()
    {
        ServiceProvider services = Start("""{ "MaxItems": 3 }""");
        var storage = services.GetRequiredService<IAtomicLruStorage<int>>();
        for (int i = 0; i < 3; i++)
        {
            storage.Set($"k{i}", i);
        }

        Reload("""{ "MaxItems": 5 }""");
        for (int i = 3; i < 5; i++)
        {
            storage.Set($"k{i}", i);
        }

        Assert.Equal(5, storage.Count);
        storage.Set("k5", 5);
        Assert.Equal(5, storage.Count);
        Assert.False(storage.TryGet("k0", out _));
    }

    [Fact]
    public void A_smaller_SizeLimitInBytes_evicts_down_to_it_in_LRU_order()
    {
        ServiceProvider services = Start("""{ "SizeLimitInBytes": 1048576 }""");
        var cache = services.GetRequiredService<IAtomicLruCache>();
        byte[] payload = new byte[10_000];
        for (int i = 0; i < 50; i++)
        {
            cache.SetBytes($"k{i}", payload);
        }

        Assert.Equal(50, cache.Count);

        Reload("""{ "SizeLimitInBytes": 100000 }""");

        Assert.InRange(cache.SizeInBytes, 1, 100_000);
        int kept = cache.Count;
        Assert.InRange(kept, 5, 9);
        Assert.All(Enumerable.Range(50 - kept, kept), i => Assert.True(cache.ContainsKey($"k{i}"))); // the newest stayed
        Assert.False(cache.ContainsKey($"k{49 - kept}"));
    }

    [Fact]
    public void A_new_DefaultTtl_applies_to_entries_written_after_the_reload_and_earlier_ones_keep_theirs()
    {
        ServiceProvider services = Start("""{ "DefaultTtl": "00:10:00" }""");
        var cache = services.GetRequiredService<IDistributedCache>();
        cache.SetString("before", "b");

        Reload("""{ "DefaultTtl": "00:01:00" }""");
        cache.SetString("after", "a");

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(cache.GetString("after"));
        Assert.Equal("b", cache.GetString("before"));
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Null(cache.GetString("before"));
    }

    [Fact]
    public void A_new_ExpirationScanFrequency_changes_when_expired_entries_are_reclaimed_in_the_background()
    {
        ServiceProvider services = Start("""{ "ExpirationScanFrequency": "01:00:00" }""");
        var cache = (AtomicLruMemoryCache)services.GetRequiredService<IMemoryCache>();
        cache.Set("k", 1, TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, cache.Count); // expired, but nothing has reclaimed it: the scan is an hour away

        Reload("""{ "ExpirationScanFrequency": "00:00:02" }""");
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void LogKeys_switched_on_by_a_reload_names_keys_in_later_eviction_logs()
    {
        ServiceProvider services = Start("""{ "MaxItems": 1 }""");
        var storage = services.GetRequiredService<IAtomicLruStorage<string>>();
        storage.Set("first", "1");
        storage.Set("second", "2");
        Assert.DoesNotContain(Logs(11), r => r.Message.Contains("first", StringComparison.Ordinal));

        Reload("""{ "MaxItems": 1, "LogKeys": true }""");
        storage.Set("third", "3");

        FakeLogRecord named = Assert.Single(Logs(11));
        Assert.Contains("'second'", named.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_reload_is_refused_logged_at_Error_naming_the_key_and_the_cache_keeps_its_last_valid_options()
    {
        ServiceProvider services = Start("""{ "MaxItems": 5 }""");
        var cache = services.GetRequiredService<IAtomicLruCache>();
        for (int i = 0; i < 5; i++)
        {
            cache.Set($"k{i}", "v");
        }

        Exception? thrown = Reload("""{ "MaxItems": 0 }""");

        // IOptionsMonitor<AtomicLruOptions> itself (which the caches take their options from) throws to whoever reloads.
        var monitorRefusal = Assert.IsType<AggregateException>(thrown);
        Assert.All(monitorRefusal.Flatten().InnerExceptions, e => Assert.IsType<OptionsValidationException>(e));
        Assert.Equal(5, cache.Count);
        FakeLogRecord refused = Assert.Single(Logs(22));
        Assert.Equal(LogLevel.Error, refused.Level);
        Assert.Contains("AtomicLru:MaxItems", refused.Message, StringComparison.Ordinal);
        Assert.Contains("keeps its last valid options", refused.Message, StringComparison.Ordinal);
        cache.Set("k5", "v");
        Assert.Equal(5, cache.Count); // still 5: the limit before the bad reload

        Reload("""{ "MaxItem": 2 }"""); // a typo is refused the same way
        Assert.Equal(5, cache.Count);
        Assert.Contains(Logs(22), r => r.Message.Contains("AtomicLru:MaxItem is not an AtomicLru option; did you mean MaxItems?", StringComparison.Ordinal));

        Reload("""{ "MaxItems": 2 }"""); // and a valid one after them applies
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void A_reload_that_changes_nothing_logs_nothing()
    {
        ServiceProvider services = Start("""{ "MaxItems": 5 }""");
        _ = services.GetRequiredService<IMemoryCache>();

        Reload("""{ "MaxItems": 5 }""");
        Reload("""{ "maxitems": "5" }""");

        Assert.Empty(Logs(21));
    }

    [Fact]
    public void Every_face_follows_its_options()
    {
        ServiceProvider services = Start("""{ "MaxItems": 10 }""");
        var memory = services.GetRequiredService<IMemoryCache>();
        var serialized = services.GetRequiredService<IAtomicLruCache>();
        var storage = services.GetRequiredService<IAtomicLruStorage<object>>();
        for (int i = 0; i < 10; i++)
        {
            memory.Set(i, i);
            serialized.Set($"k{i}", "v");
            storage.Set($"k{i}", i);
        }

        Reload("""{ "MaxItems": 3 }""");

        Assert.Equal(3, ((AtomicLruMemoryCache)memory).Count);
        Assert.Equal(3, serialized.Count);
        Assert.Equal(3, storage.Count);
        Assert.Equal(3, Logs(21).Length); // once per cache
        Assert.Contains(Logs(21), r => r.Message.StartsWith("AtomicLruStorage<Object>: options reloaded", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_configured_in_code_follow_IOptionsMonitor_sources_too()
    {
        var source = new ConfigurationManager();
        source["MaxItems"] = "8";
        var services = new ServiceCollection();
        services.AddAtomicLru(o => o.MaxItems = int.Parse(source["MaxItems"]!, System.Globalization.CultureInfo.InvariantCulture));
        services.AddSingleton<IOptionsChangeTokenSource<AtomicLruOptions>>(new ConfigurationChangeTokenSource<AtomicLruOptions>(source));
        using ServiceProvider provider = services.BuildServiceProvider();
        var storage = provider.GetRequiredService<IAtomicLruStorage<int>>();
        for (int i = 0; i < 8; i++)
        {
            storage.Set($"k{i}", i);
        }

        source["MaxItems"] = "2";
        ((IConfigurationRoot)source).Reload();

        Assert.Equal(2, storage.Count);
    }
}
