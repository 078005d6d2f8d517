// A fresh app's Program.cs (build/package-test.sh copies it into a `dotnet new console` app that references the
// packed packages): AddAtomicLru from appsettings.json, a named cache, every face used once.
using AtomicLru;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddAtomicLru(builder.Configuration.GetSection("AtomicLru"));
builder.Services.AddAtomicLru("sessions", builder.Configuration.GetSection("AtomicLru:Caches:sessions"));
using IHost host = builder.Build();
await host.StartAsync();

IMemoryCache memory = host.Services.GetRequiredService<IMemoryCache>();
memory.Set("answer", 42);
IDistributedCache sessions = host.Services.GetRequiredKeyedService<IDistributedCache>("sessions");
await sessions.SetStringAsync("user", "ada");
IAtomicLruCache cache = host.Services.GetRequiredService<IAtomicLruCache>();
int loaded = await cache.GetOrAddAsync("loaded", async (key, ct) => { await Task.Yield(); return 7; });
IAtomicLruStorage<object> storage = host.Services.GetRequiredService<IAtomicLruStorage<object>>();
object live = storage.GetOrAdd("live", _ => new object());

Console.WriteLine($"consumed: {memory.Get<int>("answer")} {await sessions.GetStringAsync("user")} {loaded} {ReferenceEquals(live, storage.GetOrAdd("live", _ => new object()))}");
Console.WriteLine(cache.GetStatistics());
await host.StopAsync();
