using System;
using System.Collections.Generic;
using System.Linq;
using AtomicLru;
using AtomicLru.Engine;
using AtomicLru.Extensions.Logging;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>Eviction logs through ILogger, captured with FakeLogger: Debug per removal, Warning for a refused value, keys only when allowed.</summary>
public sealed class EvictionLoggingTests
{
    private static ServiceProvider Build(Action<AtomicLruOptions> configure, LogLevel minimum = LogLevel.Debug)
    {
        var services = new ServiceCollection();
        services.AddLogging(builder => builder.AddFakeLogging().SetMinimumLevel(minimum));
        services.AddAtomicLru(configure);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Evictions_are_logged_at_debug_with_reason_and_size_and_without_the_key_by_default()
    {
        using ServiceProvider provider = Build(o => o.MaxItems = 2);
        IDistributedCache cache = provider.GetRequiredService<IDistributedCache>();
        cache.Set("user:alice@example.com", new byte[10]);
        cache.Set("b", new byte[20]);
        cache.Set("c", new byte[30]); // evicts alice

        FakeLogRecord record = Assert.Single(provider.GetFakeLogCollector().GetSnapshot());
        Assert.Equal(LogLevel.Debug, record.Level);
        Assert.Contains("Capacity", record.Message);
        Assert.Contains("10 bytes", record.Message);
        Assert.DoesNotContain("alice", record.Message);
    }

    [Fact]
    public void With_LogKeys_the_key_is_named_and_the_memory_cache_logs_too()
    {
        using ServiceProvider provider = Build(o => { o.MaxItems = 1; o.LogKeys = true; });
        IMemoryCache memory = provider.GetRequiredService<IMemoryCache>();
        memory.Set("first", 1, new MemoryCacheEntryOptions { Size = 7 });
        memory.Set("second", 2);

        FakeLogRecord record = Assert.Single(provider.GetFakeLogCollector().GetSnapshot());
        Assert.Contains("'first'", record.Message);
        Assert.Contains("7 bytes", record.Message);
        Assert.Contains(nameof(AtomicLruMemoryCache), record.Message);
    }

    [Fact]
    public void A_refused_oversized_value_is_a_warning()
    {
        using ServiceProvider provider = Build(o => { o.SizeLimitInBytes = 8192; }, LogLevel.Warning);
        IAtomicLruCache cache = provider.GetRequiredService<IAtomicLruCache>();
        cache.Set("big", new string('x', 10_000));

        FakeLogRecord record = Assert.Single(provider.GetFakeLogCollector().GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Contains("MaxItemSizeInBytes", record.Message);
        Assert.DoesNotContain("big", record.Message);
    }

    [Fact]
    public void Nothing_is_allocated_for_logging_while_the_level_is_off()
    {
        // The same evicting writes, with a logging listener whose level is off and with no listener at
        // all, must allocate the same bytes: the payload and the node, nothing for the log.
        var quiet = new LoggingRemovalListener<string, byte[]>(NullLogger.Instance, "test", logKeys: true, static p => p.Length);
        using var logged = new AtomicLruCache(new AtomicLruOptions { MaxItems = 8 }, null, null, quiet);
        using var plain = new AtomicLruCache(new AtomicLruOptions { MaxItems = 8 });
        string[] keys = Enumerable.Range(0, 64).Select(i => "k" + i).ToArray();
        byte[] value = new byte[100];

        long Measure(AtomicLruCache cache)
        {
            foreach (string key in keys)
            {
                cache.SetBytes(key, value); // warm up: every write from here on evicts
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int round = 0; round < 10; round++)
            {
                foreach (string key in keys)
                {
                    cache.SetBytes(key, value);
                }
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(Measure(plain), Measure(logged));
        Assert.True(logged.GetStatistics().CapacityEvictions > 600);
    }

    [Fact]
    public void A_logging_provider_that_throws_skips_no_eviction_callback_and_never_escapes_the_timer()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddLogging(builder => builder.AddProvider(new ThrowingLoggerProvider()).SetMinimumLevel(LogLevel.Debug));
        services.AddAtomicLru(o => o.MaxItems = 10);
        using ServiceProvider provider = services.BuildServiceProvider();
        var memory = (AtomicLruMemoryCache)provider.GetRequiredService<IMemoryCache>();
        var evicted = new List<(string Key, EvictionReason Reason)>();
        MemoryCacheEntryOptions Watched(TimeSpan? ttl = null) => new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl }
            .RegisterPostEvictionCallback((key, _, reason, _) => evicted.Add(((string)key, reason)));

        foreach (string key in new[] { "a", "b", "c" })
        {
            memory.Set(key, key, Watched());
        }

        // The logger throws for each of the three: every entry's callback still runs, and the call says what failed.
        Assert.Throws<AggregateException>(() => memory.Compact(1.0));
        Assert.Equal(["a", "b", "c"], evicted.Where(e => e.Reason == EvictionReason.Capacity).Select(e => e.Key).Order());
        Assert.Equal(0, memory.Count);

        // Expiry reclaimed by the timer: the callback runs, and the logger's failure stays inside the timer's callback.
        memory.Set("ttl", "ttl", Watched(TimeSpan.FromSeconds(5)));
        time.Advance(TimeSpan.FromSeconds(7));
        Assert.Contains(("ttl", EvictionReason.Expired), evicted);
        Assert.Equal(0, memory.Count);
    }

    /// <summary>A logging provider whose loggers are on at every level and throw from every write.</summary>
    private sealed class ThrowingLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger();

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => throw new InvalidOperationException("the log sink is down");
        }
    }
}
