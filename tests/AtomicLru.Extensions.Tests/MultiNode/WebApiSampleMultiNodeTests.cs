using System;
using System.Diagnostics;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Tasks;
using AtomicLru.Extensions.Tests.Redis;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests.MultiNode;

/// <summary>The web sample's multi-node mode: two instances on real test hosts, one real Redis.</summary>
public sealed class WebApiSampleMultiNodeTests(RedisServer server) : IClassFixture<RedisServer>
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private sealed class Instance(string redis, string stack, string name, FakeTimeProvider? time) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:Redis", redis);
            builder.UseSetting("MultiNode:Stack", stack);
            builder.UseSetting("MultiNode:Instance", name);
            builder.UseSetting("MultiNode:LocalCacheExpiration", "00:00:30");
            if (time is not null)
            {
                builder.ConfigureTestServices(services =>
                {
                    services.RemoveAll<TimeProvider>();
                    services.AddSingleton<TimeProvider>(time);
                });
            }
        }
    }

    private static async Task<string> NameOf(HttpClient client, int id)
        => (await client.GetFromJsonAsync<JsonElement>($"/products/{id}")).GetProperty("name").GetString()!;

    private static async Task Rename(HttpClient client, int id, string name)
        => (await client.PutAsync($"/products/{id}?name={name}", content: null)).EnsureSuccessStatusCode();

    [Fact]
    public async Task HybridCache_mode_registers_our_L1_and_Redis_and_B_sees_As_update_at_its_local_expiration()
    {
        await using var a = new Instance(server.Configuration, "HybridCache", "A", _time);
        await using var b = new Instance(server.Configuration, "HybridCache", "B", _time);
        Assert.IsType<AtomicLruMemoryCache>(b.Services.GetRequiredService<IMemoryCache>());
        Assert.IsAssignableFrom<RedisCache>(b.Services.GetRequiredService<IDistributedCache>());
        HttpClient clientA = a.CreateClient();
        HttpClient clientB = b.CreateClient();

        Assert.Equal("product 101 (loaded by A)", await NameOf(clientA, 101));
        await server.UntilStoredAsync("atomiclru-sample:product:101");
        Assert.Equal("product 101 (loaded by A)", await NameOf(clientB, 101)); // from Redis: B's database was not asked
        await Rename(clientA, 101, "teapot");
        Assert.Equal("teapot", await NameOf(clientA, 101));

        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Equal("product 101 (loaded by A)", await NameOf(clientB, 101));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("teapot", await NameOf(clientB, 101));
    }

    [Fact]
    public async Task FusionCache_mode_B_sees_As_update_and_removal_through_the_backplane()
    {
        await using var a = new Instance(server.Configuration, "FusionCache", "A", time: null);
        await using var b = new Instance(server.Configuration, "FusionCache", "B", time: null);
        HttpClient clientA = a.CreateClient();
        HttpClient clientB = b.CreateClient();

        Assert.Equal("product 102 (loaded by A)", await NameOf(clientA, 102));
        // A message sent before B's backplane subscribed is lost, and B then serves its L1 copy for the whole
        // Duration: so rename until one round's change reaches B within a second.
        var overall = Stopwatch.StartNew();
        for (int round = 0; ; round++)
        {
            Assert.True(overall.Elapsed < TimeSpan.FromSeconds(20), "no rename on A reached B within 20 s");
            string before = await NameOf(clientB, 102); // now in B's L1
            Assert.NotEqual($"kettle{round}", before);
            await Rename(clientA, 102, $"kettle{round}");
            if (await EventuallyAsync(async () => await NameOf(clientB, 102) == $"kettle{round}", TimeSpan.FromSeconds(1)))
            {
                break;
            }
        }

        (await clientA.DeleteAsync("/products/102")).EnsureSuccessStatusCode();
        Assert.True(await EventuallyAsync(async () => (await NameOf(clientB, 102)).EndsWith("(loaded by B)", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_unknown_stack_stops_the_host_naming_the_setting()
    {
        await using var a = new Instance(server.Configuration, "NCache", "A", time: null);
        var error = Assert.Throws<InvalidOperationException>(() => a.CreateClient());
        Assert.Contains("MultiNode:Stack is 'NCache'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>True once <paramref name="condition"/> holds, false if it has not within <paramref name="patience"/>.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan patience)
    {
        var since = Stopwatch.StartNew();
        while (!await condition())
        {
            if (since.Elapsed > patience)
            {
                return false;
            }

            await Task.Yield();
        }

        return true;
    }
}
