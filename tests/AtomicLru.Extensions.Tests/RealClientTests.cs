using System;
using System.Linq;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Extensions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

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
        var ours = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 5 });
        var services = new ServiceCollection();
        services.AddSingleton<IMemoryCache>(ours); // AddHybridCache only adds a MemoryCache if none is there
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
        Assert.True(ours.CallbacksRegistered > 0);
        Assert.Equal(ours.CallbacksRegistered, ours.CallbacksRun);
    }
}
