using System;
using System.IO;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Extensions;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>AddAtomicLru on a real ServiceCollection and a real host.</summary>
public sealed class ServiceCollectionTests
{
    public sealed class Report;

    private static void AssertOursEverywhere(IServiceProvider provider)
    {
        Assert.IsType<AtomicLruMemoryCache>(provider.GetRequiredService<IMemoryCache>());
        var distributed = Assert.IsType<AtomicLruDistributedCache>(provider.GetRequiredService<IDistributedCache>());
        Assert.Same(distributed, provider.GetRequiredService<IBufferDistributedCache>());
        Assert.Same(distributed.Cache, provider.GetRequiredService<IAtomicLruCache>());
        IAtomicLruStorage<Report> storage = provider.GetRequiredService<IAtomicLruStorage<Report>>();
        Assert.Same(storage, provider.GetRequiredService<IAtomicLruStorage<Report>>());
    }

    [Fact]
    public void AddAtomicLru_registers_every_face_as_one_singleton_each()
    {
        using ServiceProvider provider = new ServiceCollection().AddAtomicLru().BuildServiceProvider();
        AssertOursEverywhere(provider);
        Assert.Same(provider.GetRequiredService<IMemoryCache>(), provider.GetRequiredService<IMemoryCache>());
    }

    [Fact]
    public void It_wins_over_the_framework_caches_registered_before_it()
    {
        var services = new ServiceCollection();
        services.AddMemoryCache();
        services.AddDistributedMemoryCache();
        services.AddAtomicLru();
        using ServiceProvider provider = services.BuildServiceProvider();
        AssertOursEverywhere(provider);
    }

    [Fact]
    public void It_wins_over_the_framework_caches_and_HybridCache_registered_after_it()
    {
        var services = new ServiceCollection();
        services.AddAtomicLru();
        services.AddMemoryCache();
        services.AddDistributedMemoryCache();
        services.AddHybridCache();
        using ServiceProvider provider = services.BuildServiceProvider();
        AssertOursEverywhere(provider);
        Assert.NotNull(provider.GetRequiredService<HybridCache>());
    }

    [Fact]
    public void Calling_it_twice_makes_one_cache_with_both_configurations()
    {
        var services = new ServiceCollection();
        services.AddAtomicLru(o => o.MaxItems = 10);
        services.AddAtomicLru(o => o.DefaultTtl = TimeSpan.FromMinutes(1));
        Assert.Single(services, d => d.ServiceType == typeof(IMemoryCache));
        Assert.Single(services, d => d.ServiceType == typeof(IDistributedCache));
        using ServiceProvider provider = services.BuildServiceProvider();
        AtomicLruOptions options = provider.GetRequiredService<IOptions<AtomicLruOptions>>().Value;
        Assert.Equal(10, options.MaxItems);
        Assert.Equal(TimeSpan.FromMinutes(1), options.DefaultTtl);
    }

    [Fact]
    public void Only_the_memory_cache_face_can_be_registered_beside_another_distributed_cache()
    {
        var services = new ServiceCollection();
        services.AddDistributedMemoryCache(); // stands for Redis
        services.AddAtomicLruMemoryCache(o => o.MaxItems = 100);
        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.IsType<AtomicLruMemoryCache>(provider.GetRequiredService<IMemoryCache>());
        Assert.IsType<MemoryDistributedCache>(provider.GetRequiredService<IDistributedCache>());
    }

    [Fact]
    public void Options_bind_from_a_real_appsettings_json_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"appsettings-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {
              "AtomicLru": {
                "SizeLimitInBytes": 104857600,
                "MaxItems": 100000,
                "DefaultTtl": "00:05:00",
                "MaxItemSizeInBytes": 1048576,
                "ExpirationScanFrequency": "00:00:02"
              }
            }
            """);
        try
        {
            IConfiguration configuration = new ConfigurationBuilder().AddJsonFile(path).Build();
            using ServiceProvider provider = new ServiceCollection().AddAtomicLru(configuration.GetSection("AtomicLru")).BuildServiceProvider();
            AtomicLruOptions options = provider.GetRequiredService<IOptions<AtomicLruOptions>>().Value;
            Assert.Equal(104_857_600, options.SizeLimitInBytes);
            Assert.Equal(100_000, options.MaxItems);
            Assert.Equal(TimeSpan.FromMinutes(5), options.DefaultTtl);
            Assert.Equal(1_048_576, options.MaxItemSizeInBytes);
            Assert.Equal(TimeSpan.FromSeconds(2), options.ExpirationScanFrequency);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("MaxItems", "0")]
    [InlineData("SizeLimitInBytes", "100")]
    [InlineData("DefaultTtl", "-00:00:01")]
    public async Task A_bad_value_stops_the_host_with_the_key_and_value_named(string key, string value)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new($"AtomicLru:{key}", value)]);
        builder.Services.AddAtomicLru(builder.Configuration.GetSection("AtomicLru"));
        using IHost host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains($"AtomicLru:{key}", error.Message);
        Assert.Contains(key == "DefaultTtl" ? TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture).ToString() : value, error.Message);
    }

    [Fact]
    public void The_time_provider_comes_from_the_container()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddAtomicLru(o => o.DefaultTtl = TimeSpan.FromMinutes(1));
        using ServiceProvider provider = services.BuildServiceProvider();
        var memory = provider.GetRequiredService<IMemoryCache>();
        var distributed = provider.GetRequiredService<IDistributedCache>();
        var storage = provider.GetRequiredService<IAtomicLruStorage<Report>>();
        memory.Set("k", 1);
        distributed.SetString("k", "v");
        storage.Set("k", new Report());

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(memory.TryGetValue("k", out _));
        Assert.Null(distributed.GetString("k"));
        Assert.False(storage.TryGet("k", out _));
    }

    [Fact]
    public void Disposing_the_container_disposes_the_caches_and_stops_their_timers()
    {
        var provider = new ServiceCollection().AddAtomicLru().BuildServiceProvider();
        var memory = provider.GetRequiredService<AtomicLruMemoryCache>();
        var cache = provider.GetRequiredService<AtomicLruCache>();
        var storage = provider.GetRequiredService<IAtomicLruStorage<Report>>();
        provider.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memory.CreateEntry("k"));
        Assert.Throws<ObjectDisposedException>(() => cache.Set("k", 1));
        Assert.Throws<ObjectDisposedException>(() => storage.Set("k", new Report()));
    }
}
