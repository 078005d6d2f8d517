using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Extensions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace AtomicLru.Extensions.Tests;

/// <summary>Real clients of IMemoryCache on our cache: EF Core's compiled-query cache and HybridCache's L1.</summary>
public sealed class RealClientTests
{
    public sealed class Blog
    {
        public int Id { get; set; }

        public string Name { get; set; } = "";
    }

    private sealed class BlogContext(DbContextOptions<BlogContext> options) : DbContext(options)
    {
        public DbSet<Blog> Blogs => Set<Blog>();
    }

    [Fact]
    public void EF_Core_keeps_its_compiled_queries_in_our_cache()
    {
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { SizeLimitInBytes = 10 * 1024 * 1024 });
        using var connection = new SqliteConnection("DataSource=:memory:");
        connection.Open();
        DbContextOptions<BlogContext> options = new DbContextOptionsBuilder<BlogContext>()
            .UseSqlite(connection)
            .UseMemoryCache(cache)
            .Options;

        using (var db = new BlogContext(options))
        {
            db.Database.EnsureCreated();
            db.Blogs.AddRange(new Blog { Name = "one" }, new Blog { Name = "two" });
            db.SaveChanges();
        }

        for (int i = 0; i < 3; i++)
        {
            using var db = new BlogContext(options);
            string name = i % 2 == 0 ? "one" : "two";
            Assert.Single(db.Blogs.Where(b => b.Name == name).ToList());
        }

        // The compiled query lives under a key that is not a string, charged EF's own Size (10).
        Assert.Contains(cache.Keys, key => key is not string);
        MemoryCacheStatistics stats = cache.GetCurrentStatistics()!;
        Assert.True(stats.TotalHits >= 2, $"hits: {stats.TotalHits}");
        Assert.True(stats.CurrentEntryCount >= 1);
    }

    public sealed class Weather
    {
        public string City { get; set; } = "";

        public int Degrees { get; set; }
    }

    [Fact]
    public async Task HybridCache_uses_our_cache_as_L1_and_every_L1_callback_runs_exactly_once()
    {
        using var ours = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 5 });
        var counting = new CallbackCountingMemoryCache(ours);
        var services = new ServiceCollection();
        services.AddSingleton<IMemoryCache>(counting); // AddHybridCache only adds a MemoryCache if none is there
        services.AddHybridCache();
        await using ServiceProvider provider = services.BuildServiceProvider();
        HybridCache hybrid = provider.GetRequiredService<HybridCache>();

        int calls = 0;
        Weather first = await hybrid.GetOrCreateAsync("weather:paris", _ =>
        {
            calls++;
            return ValueTask.FromResult(new Weather { City = "Paris", Degrees = 12 });
        });
        Weather second = await hybrid.GetOrCreateAsync("weather:paris", _ =>
        {
            calls++;
            return ValueTask.FromResult(new Weather { City = "wrong", Degrees = 0 });
        });
        Assert.Equal(1, calls);
        Assert.Equal("Paris", second.City);
        Assert.Equal(12, first.Degrees);
        Assert.True(ours.TryGetValue("weather:paris", out _)); // the L1 entry is in our cache

        await hybrid.RemoveAsync("weather:paris");
        Assert.False(ours.TryGetValue("weather:paris", out _));

        // Overwrites, capacity evictions and a final clear: every L1 entry leaves, its callback runs once.
        for (int i = 0; i < 20; i++)
        {
            await hybrid.SetAsync("weather:" + (i % 8), new Weather { City = "c" + i, Degrees = i });
        }

        ours.Clear();
        Assert.Equal(0, ours.Count);
        Assert.True(counting.Registered > 0);
        Assert.Equal(counting.Registered, counting.Run);
    }

    /// <summary>
    /// Passes every call to the cache, and wraps each post-eviction callback an entry carries when it is committed,
    /// counting the callbacks registered and the callbacks run.
    /// </summary>
    private sealed class CallbackCountingMemoryCache(IMemoryCache inner) : IMemoryCache
    {
        private int _registered;
        private int _run;

        public int Registered => Volatile.Read(ref _registered);

        public int Run => Volatile.Read(ref _run);

        public ICacheEntry CreateEntry(object key) => new CountingEntry(inner.CreateEntry(key), this);

        public bool TryGetValue(object key, out object? value) => inner.TryGetValue(key, out value);

        public void Remove(object key) => inner.Remove(key);

        public void Dispose() => inner.Dispose();

        private sealed class CountingEntry(ICacheEntry entry, CallbackCountingMemoryCache owner) : ICacheEntry
        {
            public object Key => entry.Key;

            public object? Value { get => entry.Value; set => entry.Value = value; }

            public DateTimeOffset? AbsoluteExpiration { get => entry.AbsoluteExpiration; set => entry.AbsoluteExpiration = value; }

            public TimeSpan? AbsoluteExpirationRelativeToNow { get => entry.AbsoluteExpirationRelativeToNow; set => entry.AbsoluteExpirationRelativeToNow = value; }

            public TimeSpan? SlidingExpiration { get => entry.SlidingExpiration; set => entry.SlidingExpiration = value; }

            public IList<IChangeToken> ExpirationTokens => entry.ExpirationTokens;

            public IList<PostEvictionCallbackRegistration> PostEvictionCallbacks => entry.PostEvictionCallbacks;

            public CacheItemPriority Priority { get => entry.Priority; set => entry.Priority = value; }

            public long? Size { get => entry.Size; set => entry.Size = value; }

            public void Dispose()
            {
                foreach (PostEvictionCallbackRegistration registration in entry.PostEvictionCallbacks)
                {
                    PostEvictionDelegate? callback = registration.EvictionCallback;
                    Interlocked.Increment(ref owner._registered);
                    registration.EvictionCallback = (key, value, reason, state) =>
                    {
                        Interlocked.Increment(ref owner._run);
                        callback?.Invoke(key, value, reason, state);
                    };
                }

                entry.Dispose();
            }
        }
    }
}
