// AtomicLru quickstart: the seed library's Storage example, eviction and expiry as they happen, then the Cache.
// Run it with:  dotnet run --project samples/AtomicLru.Quickstart
using System;
using System.Threading;
using AtomicLru;

// A storage of references (no serialization): what you put in is the very instance you get back.
var options = new AtomicLruOptions { MaxItems = 3, DefaultTtl = TimeSpan.FromHours(1) };
using var storage = new AtomicLruStorage<ExpensiveObject>(options);

// Store an ExpensiveObject with its own time to live, then read it back.
var value = new ExpensiveObject("report #1");
storage.Set("key1", value, ttl: TimeSpan.FromSeconds(60));
if (storage.TryGet("key1", out ExpensiveObject? hit))
{
    Console.WriteLine($"hit: {hit.Name}; same instance: {ReferenceEquals(hit, value)}");
}

// Eviction: MaxItems is 3. Reading key1 makes it the most recent, so key2 is the least recently used
// entry when key4 arrives, and it is the one evicted.
storage.Set("key2", new ExpensiveObject("report #2"));
storage.Set("key3", new ExpensiveObject("report #3"));
storage.TryGet("key1", out _);
storage.Set("key4", new ExpensiveObject("report #4"));
Console.WriteLine($"after adding key4 to a full storage: key1={storage.ContainsKey("key1")}, key2={storage.ContainsKey("key2")}, " +
                  $"key3={storage.ContainsKey("key3")}, key4={storage.ContainsKey("key4")}, Count={storage.Count}");

// GetOrAdd runs the factory only on a miss (and only once, however many threads ask at the same time).
ExpensiveObject built = storage.GetOrAdd("key5", key => new ExpensiveObject($"built for {key}"));
ExpensiveObject again = storage.GetOrAdd("key5", key => throw new InvalidOperationException("not called: key5 is cached"));
Console.WriteLine($"GetOrAdd: {built.Name}; second call returned the same instance: {ReferenceEquals(built, again)}");

// Expiry: an entry with a 1.5 s TTL. Nothing reads it, yet the background reclaim removes it on time.
storage.Set("short-lived", new ExpensiveObject("gone soon"), ttl: TimeSpan.FromSeconds(1.5));
Console.WriteLine($"short-lived stored: Count={storage.Count}");
Thread.Sleep(TimeSpan.FromSeconds(3));
Console.WriteLine($"3 s later, without any read: Count={storage.Count}, short-lived present={storage.ContainsKey("short-lived")}");

AtomicLruStatistics stats = storage.GetStatistics();
Console.WriteLine($"statistics: hits={stats.Hits}, misses={stats.Misses}, evicted={stats.CapacityEvictions}, expired={stats.Expirations}");

// The high-level Cache: values are serialized, and the size limit counts every byte an entry holds.
using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 1_000_000, DefaultTtl = TimeSpan.FromHours(1) });
cache.Set("user:123", new User("Alice", 30), ttl: TimeSpan.FromSeconds(60));
if (cache.TryGet<User>("user:123", out User? user))
{
    Console.WriteLine($"cache hit: {user.Name}, {user.Age} (a deserialized copy); the cache holds {cache.SizeInBytes} bytes");
}

cache.Set("too-big", new string('x', 600_000)); // over MaxItemSizeInBytes (half the limit): refused
Console.WriteLine($"a 600 KB value in a 1 MB cache: stored={cache.ContainsKey("too-big")}, refused so far={cache.GetStatistics().OversizedRejections}");

/// <summary>An object that is expensive to build and cannot be serialized.</summary>
internal sealed record ExpensiveObject(string Name);

/// <summary>A serializable value for the Cache.</summary>
internal sealed record User(string Name, int Age);
