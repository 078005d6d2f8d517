// AtomicLru in an ASP.NET Core minimal API:
//   dotnet run --project samples/AtomicLru.Samples.WebApi --urls http://127.0.0.1:5080
//   curl http://127.0.0.1:5080/weather/paris          (slow the first time, cached after, in the named cache "forecasts")
//   curl -c jar -b jar http://127.0.0.1:5080/visits   (session state, stored in our IDistributedCache)
//   curl http://127.0.0.1:5080/reports/42             (unserializable objects in IAtomicLruStorage<T>)
//   curl http://127.0.0.1:5080/rates/eur              (IMemoryCache.GetOrCreateAsync, one minute)
//   curl http://127.0.0.1:5080/cache/stats            (live statistics)
//
// Multi-node mode: with ConnectionStrings:Redis set, AtomicLru is each instance's L1 (IMemoryCache), Redis is
// L2 and IDistributedCache, and MultiNode:Stack picks HybridCache (the default) or FusionCache with its Redis
// backplane. Two instances against one local redis-server (docs/multinode.md):
//   dotnet run --project samples/AtomicLru.Samples.WebApi --urls http://127.0.0.1:5081 --ConnectionStrings:Redis=127.0.0.1:6379
//   dotnet run --project samples/AtomicLru.Samples.WebApi --urls http://127.0.0.1:5082 --ConnectionStrings:Redis=127.0.0.1:6379
//   curl -X PUT 'http://127.0.0.1:5081/products/7?name=teapot'   then   curl http://127.0.0.1:5082/products/7
using System;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Samples.WebApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

string? redis = builder.Configuration.GetConnectionString("Redis");
bool multiNode = !string.IsNullOrWhiteSpace(redis);
if (multiNode)
{
    // AtomicLru as L1 only: IDistributedCache is Redis's, and the shared cache (HybridCache or FusionCache) sits on both.
    MultiNode.AddSharedCache(builder.Services, builder.Configuration, redis!);
}
else
{
    // One line: IMemoryCache, IDistributedCache, IAtomicLruCache and IAtomicLruStorage<T>, bound from appsettings.json.
    builder.Services.AddAtomicLru(builder.Configuration.GetSection("AtomicLru"));
}

// A named cache with its own limits (AtomicLru:Caches:forecasts), injected with [FromKeyedServices("forecasts")].
builder.Services.AddAtomicLru("forecasts", builder.Configuration.GetSection("AtomicLru:Caches:forecasts"));

builder.Services.AddSession(); // session state goes to IDistributedCache: ours, or Redis in multi-node mode

WebApplication app = builder.Build();
app.UseSession();

app.MapGet("/weather/{city}", async (string city, [FromKeyedServices("forecasts")] IDistributedCache cache, CancellationToken ct) =>
{
    string key = "weather:" + city.ToUpperInvariant();
    string? cached = await cache.GetStringAsync(key, ct);
    if (cached is not null)
    {
        return Results.Ok(new { city, forecast = cached, source = "cache" });
    }

    string forecast = await SlowForecastAsync(city, ct);
    await cache.SetStringAsync(key, forecast, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) }, ct);
    return Results.Ok(new { city, forecast, source = "computed" });
});

app.MapGet("/visits", async (HttpContext context) =>
{
    await context.Session.LoadAsync();
    int visits = (context.Session.GetInt32("visits") ?? 0) + 1;
    context.Session.SetInt32("visits", visits);
    return Results.Ok(new { visits });
});

app.MapGet("/visits/peek", async (HttpContext context) =>
{
    // Reads without writing: the session middleware then calls IDistributedCache.RefreshAsync, which slides.
    await context.Session.LoadAsync();
    return Results.Ok(new { visits = context.Session.GetInt32("visits") ?? 0 });
});

if (multiNode)
{
    MultiNode.MapProducts(app);
    app.MapGet("/cache/stats", (IMemoryCache memory) => Results.Ok(new { l1 = memory.GetCurrentStatistics() }));
}
else
{
    app.MapGet("/reports/{id:int}", (int id, IAtomicLruStorage<ReportBuilder> reports) =>
    {
        // The same live object comes back on every request: it is a reference, never serialized.
        ReportBuilder report = reports.GetOrAdd($"report:{id}", _ => new ReportBuilder(id), TimeSpan.FromMinutes(30));
        return Results.Ok(new { id, requests = report.CountRequest() });
    });

    app.MapGet("/rates/{currency}", async (string currency, IMemoryCache memory, CancellationToken ct) =>
    {
        // IMemoryCache as applications use it: a computed value kept for a minute, charged its size in bytes.
        string key = "rate:" + currency.ToUpperInvariant();
        bool cached = memory.TryGetValue(key, out decimal rate);
        if (!cached)
        {
            rate = await SlowRateAsync(currency, ct);
            memory.Set(key, rate, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1), Size = 64 });
        }

        return Results.Ok(new { currency, rate, source = cached ? "cache" : "computed" });
    });

    app.MapGet("/cache/stats", (IAtomicLruCache cache, IMemoryCache memory, [FromKeyedServices("forecasts")] IAtomicLruCache forecasts) => Results.Ok(new
    {
        distributed = cache.GetStatistics(),
        memory = memory.GetCurrentStatistics(),
        forecasts = forecasts.GetStatistics(),
    }));
}

app.Run();

static async Task<decimal> SlowRateAsync(string currency, CancellationToken ct)
{
    await Task.Delay(TimeSpan.FromMilliseconds(200), ct); // stands for a rates API
    return 1m + (currency.ToUpperInvariant().GetHashCode(StringComparison.Ordinal) & 0xFF) / 1000m;
}

static async Task<string> SlowForecastAsync(string city, CancellationToken ct)
{
    await Task.Delay(TimeSpan.FromMilliseconds(300), ct); // stands for a slow API or database
    return $"sunny in {city}, {city.Length + 12} °C";
}

/// <summary>A live, unserializable object (it holds a lock and a counter) kept by reference.</summary>
public sealed class ReportBuilder(int id)
{
    private readonly Lock _gate = new();
    private int _requests;

    public int Id => id;

    public int CountRequest()
    {
        lock (_gate)
        {
            return ++_requests;
        }
    }
}

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
