// A small native AOT app (build/package-test.sh publishes it with PublishAot and fails on any trim or AOT warning):
// AddAtomicLru from configuration, IAtomicLruCache with a source-generated JsonSerializerContext, IAtomicLruStorage<T>;
// and the default serializer, which has no reflection here, refusing a type with an error that names it.
using System.Text.Json.Serialization;
using AtomicLru;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

IConfiguration configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?> { ["AtomicLru:SizeLimitInBytes"] = "1048576", ["AtomicLru:MaxItems"] = "1000" })
    .Build();
var services = new ServiceCollection();
services.AddAtomicLru(configuration.GetSection("AtomicLru"));
services.AddSingleton<IAtomicLruSerializer>(new AtomicLruJsonSerializer(AppJson.Default.Options));
using ServiceProvider provider = services.BuildServiceProvider();

IAtomicLruCache cache = provider.GetRequiredService<IAtomicLruCache>();
cache.Set("point", new Point(3, 4));
cache.TryGet("point", out Point? point);
IAtomicLruStorage<Point> storage = provider.GetRequiredService<IAtomicLruStorage<Point>>();
Point live = storage.GetOrAdd("live", _ => new Point(1, 2));
IMemoryCache memory = provider.GetRequiredService<IMemoryCache>();
memory.Set("m", "memory");
IDistributedCache distributed = provider.GetRequiredService<IDistributedCache>();
distributed.SetString("d", "distributed");

string fallback = "stored";
try
{
    using var withDefaults = new AtomicLruCache(new AtomicLruOptions());
    withDefaults.Set("point", new Point(5, 6));
}
catch (AtomicLruSerializationException error) when (error.InnerException is NotSupportedException refused && refused.Message.Contains(nameof(Point), StringComparison.Ordinal))
{
    fallback = "refused";
}

Console.WriteLine($"aot: {point} {ReferenceEquals(live, storage.GetOrAdd("live", _ => new Point(0, 0)))} {memory.Get<string>("m")} {distributed.GetString("d")} {fallback}");

internal sealed record Point(int X, int Y);

[JsonSerializable(typeof(Point))]
internal sealed partial class AppJson : JsonSerializerContext;
