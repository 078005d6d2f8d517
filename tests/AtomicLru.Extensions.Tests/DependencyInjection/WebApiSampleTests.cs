using System;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>The ASP.NET Core sample on a real test host: its endpoints, session state and registrations.</summary>
public sealed class WebApiSampleTests
{
    private sealed class SampleFactory(FakeTimeProvider time) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
            => builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(time);
            });
    }

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task The_slow_lookup_is_computed_once_then_served_from_the_cache()
    {
        await using var factory = new SampleFactory(_time);
        HttpClient client = factory.CreateClient();
        JsonElement first = await client.GetFromJsonAsync<JsonElement>("/weather/paris");
        JsonElement second = await client.GetFromJsonAsync<JsonElement>("/weather/paris");
        Assert.Equal("computed", first.GetProperty("source").GetString());
        Assert.Equal("cache", second.GetProperty("source").GetString());
        Assert.IsType<AtomicLruDistributedCache>(factory.Services.GetRequiredService<IDistributedCache>());
        Assert.Equal(1, factory.Services.GetRequiredKeyedService<IAtomicLruCache>("forecasts").Count); // the named cache
        Assert.Equal(0, factory.Services.GetRequiredService<IAtomicLruCache>().Count);
    }

    [Fact]
    public async Task Session_state_lives_in_our_cache_and_slides_with_each_request()
    {
        await using var factory = new SampleFactory(_time);
        HttpClient client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });
        async Task<int> VisitAsync() => (await client.GetFromJsonAsync<JsonElement>("/visits")).GetProperty("visits").GetInt32();

        Assert.Equal(1, await VisitAsync());
        Assert.Equal(2, await VisitAsync());
        IAtomicLruCache cache = factory.Services.GetRequiredService<IAtomicLruCache>();
        Assert.True(cache.Count >= 1); // the session is an entry of our cache

        // The session's idle timeout is 20 minutes, renewed by every request (sliding expiry, Refresh).
        _time.Advance(TimeSpan.FromMinutes(19));
        Assert.Equal(3, await VisitAsync());
        _time.Advance(TimeSpan.FromMinutes(19));
        Assert.Equal(4, await VisitAsync());
        _time.Advance(TimeSpan.FromMinutes(21));
        Assert.Equal(1, await VisitAsync()); // idle too long: a new session
    }

    [Fact]
    public async Task Session_reads_without_writes_keep_it_alive_through_Refresh()
    {
        await using var factory = new SampleFactory(_time);
        HttpClient client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });
        async Task<int> GetAsync(string path) => (await client.GetFromJsonAsync<JsonElement>(path)).GetProperty("visits").GetInt32();

        Assert.Equal(1, await GetAsync("/visits"));
        for (int i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(15));
            Assert.Equal(1, await GetAsync("/visits/peek")); // unchanged session: the middleware refreshes it
        }

        Assert.Equal(2, await GetAsync("/visits")); // 45 minutes after the last write, kept alive by Refresh
    }

    [Fact]
    public async Task Unserializable_objects_come_back_as_the_same_instance_and_stats_are_live()
    {
        await using var factory = new SampleFactory(_time);
        HttpClient client = factory.CreateClient();
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/reports/7")).GetProperty("requests").GetInt32());
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/reports/7")).GetProperty("requests").GetInt32());

        await client.GetAsync("/weather/oslo");
        await client.GetAsync("/weather/oslo");
        Assert.Equal("computed", (await client.GetFromJsonAsync<JsonElement>("/rates/eur")).GetProperty("source").GetString());
        Assert.Equal("cache", (await client.GetFromJsonAsync<JsonElement>("/rates/EUR")).GetProperty("source").GetString());
        JsonElement stats = await client.GetFromJsonAsync<JsonElement>("/cache/stats");
        Assert.Equal(1, stats.GetProperty("forecasts").GetProperty("hits").GetInt64());
        Assert.Equal(1, stats.GetProperty("forecasts").GetProperty("count").GetInt32());
        Assert.Equal(0, stats.GetProperty("distributed").GetProperty("count").GetInt32()); // no session in this test
        JsonElement memory = stats.GetProperty("memory");
        Assert.Equal(1, memory.GetProperty("totalHits").GetInt64());
        Assert.Equal(1, memory.GetProperty("currentEntryCount").GetInt64());
        Assert.Equal(64, memory.GetProperty("currentEstimatedSize").GetInt64());

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("computed", (await client.GetFromJsonAsync<JsonElement>("/rates/eur")).GetProperty("source").GetString());
    }

    [Fact]
    public async Task Disposing_the_host_disposes_the_caches()
    {
        var factory = new SampleFactory(_time);
        _ = factory.CreateClient();
        var cache = factory.Services.GetRequiredService<AtomicLruCache>();
        var memory = factory.Services.GetRequiredService<AtomicLruMemoryCache>();
        await factory.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => cache.Set("k", 1));
        Assert.Throws<ObjectDisposedException>(() => memory.CreateEntry("k"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void It_wins_over_AddControllersWithViews_in_either_order(bool before)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        if (before)
        {
            builder.Services.AddControllersWithViews();
        }

        builder.Services.AddAtomicLru();
        if (!before)
        {
            builder.Services.AddControllersWithViews();
        }

        using WebApplication app = builder.Build();
        Assert.IsType<AtomicLruDistributedCache>(app.Services.GetRequiredService<IDistributedCache>());
        Assert.IsType<AtomicLruMemoryCache>(app.Services.GetRequiredService<IMemoryCache>());
    }
}
