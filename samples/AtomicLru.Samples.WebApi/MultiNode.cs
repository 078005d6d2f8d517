using System;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace AtomicLru.Samples.WebApi;

/// <summary>
/// The sample's multi-node mode: AtomicLru as each instance's L1, Redis as L2, and HybridCache or FusionCache (with
/// its Redis backplane) on top, chosen by <c>MultiNode:Stack</c>.
/// </summary>
public static class MultiNode
{
    /// <summary>Registers AtomicLru's <c>IMemoryCache</c> (from the <c>AtomicLru</c> section), Redis, and the chosen stack.</summary>
    public static void AddSharedCache(IServiceCollection services, IConfiguration configuration, string redis)
    {
        services.AddAtomicLruMemoryCache(o => configuration.GetSection("AtomicLru").Bind(o));
        services.AddStackExchangeRedisCache(o =>
        {
            o.Configuration = redis;
            o.InstanceName = "atomiclru-sample:";
        });

        string stack = configuration["MultiNode:Stack"] ?? "HybridCache";
        TimeSpan local = configuration.GetValue("MultiNode:LocalCacheExpiration", TimeSpan.FromSeconds(30));
        switch (stack)
        {
            case "HybridCache":
                services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions
                {
                    Expiration = TimeSpan.FromMinutes(10),
                    LocalCacheExpiration = local, // how long another instance's change may go unseen here
                });
                services.AddSingleton<ISharedCache, HybridSharedCache>();
                break;
            case "FusionCache":
                services.AddFusionCache()
                    .WithRegisteredMemoryCache()
                    .WithRegisteredDistributedCache()
                    .WithSerializer(new FusionCacheSystemTextJsonSerializer(new JsonSerializerOptions { IncludeFields = true })) // FusionCache's value tuples
                    .WithBackplane(new RedisBackplane(new RedisBackplaneOptions { Configuration = redis }))
                    .WithDefaultEntryOptions(o => o.Duration = TimeSpan.FromMinutes(10));
                services.AddSingleton<ISharedCache, FusionSharedCache>();
                break;
            default:
                throw new InvalidOperationException($"MultiNode:Stack is '{stack}'; it must be HybridCache or FusionCache.");
        }
    }

    /// <summary>GET, PUT and DELETE on <c>/products/{id}</c>, through the shared cache.</summary>
    public static void MapProducts(WebApplication app)
    {
        string instance = app.Configuration["MultiNode:Instance"] ?? $"{Environment.MachineName}:{Environment.ProcessId}";
        app.MapGet("/products/{id:int}", async (int id, ISharedCache cache, CancellationToken ct) =>
        {
            string name = await cache.GetOrCreateAsync($"product:{id}", async token =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), token); // stands for the database
                return $"product {id} (loaded by {instance})";
            }, ct);
            return Results.Ok(new { id, name, servedBy = instance });
        });
        app.MapPut("/products/{id:int}", async (int id, string name, ISharedCache cache, CancellationToken ct) =>
        {
            await cache.SetAsync($"product:{id}", name, ct);
            return Results.Ok(new { id, name, updatedBy = instance });
        });
        app.MapDelete("/products/{id:int}", async (int id, ISharedCache cache, CancellationToken ct) =>
        {
            await cache.RemoveAsync($"product:{id}", ct);
            return Results.NoContent();
        });
    }
}

/// <summary>What the product endpoints need of HybridCache or FusionCache.</summary>
public interface ISharedCache
{
    /// <summary>The cached value, or the factory's (run once across callers of this instance).</summary>
    ValueTask<string> GetOrCreateAsync(string key, Func<CancellationToken, ValueTask<string>> factory, CancellationToken cancellationToken);

    /// <summary>Writes the value to L1 and L2.</summary>
    ValueTask SetAsync(string key, string value, CancellationToken cancellationToken);

    /// <summary>Removes the value from L1 and L2.</summary>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken);
}

internal sealed class HybridSharedCache(HybridCache cache) : ISharedCache
{
    public ValueTask<string> GetOrCreateAsync(string key, Func<CancellationToken, ValueTask<string>> factory, CancellationToken cancellationToken)
        => cache.GetOrCreateAsync(key, factory, cancellationToken: cancellationToken);

    public ValueTask SetAsync(string key, string value, CancellationToken cancellationToken)
        => cache.SetAsync(key, value, cancellationToken: cancellationToken);

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken) => cache.RemoveAsync(key, cancellationToken);
}

internal sealed class FusionSharedCache(IFusionCache cache) : ISharedCache
{
    public async ValueTask<string> GetOrCreateAsync(string key, Func<CancellationToken, ValueTask<string>> factory, CancellationToken cancellationToken)
        => await cache.GetOrSetAsync<string>(key, async (_, token) => await factory(token), token: cancellationToken);

    public ValueTask SetAsync(string key, string value, CancellationToken cancellationToken)
        => cache.SetAsync(key, value, token: cancellationToken);

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken) => cache.RemoveAsync(key, token: cancellationToken);
}
