using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading;
using AtomicLru.Extensions;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace AtomicLru.Soak;

/// <summary>Expiry choices on the real clock: none, or a TTL short enough that entries expire while the soak runs.</summary>
internal static class Expiries
{
    /// <summary>The storage targets' options, under <paramref name="policy"/>.</summary>
    internal static AtomicLruOptions Options(AtomicLruEvictionPolicy policy) => new()
    {
        MaxItems = SoakTarget.MaxItems,
        ExpirationScanFrequency = TimeSpan.FromMilliseconds(10),
        EvictionPolicy = policy,
    };

    /// <summary>" (TinyLfu)" after a target's name under that policy; nothing under LRU.</summary>
    internal static string Suffix(AtomicLruEvictionPolicy policy) => policy == AtomicLruEvictionPolicy.Lru ? "" : $" ({policy})";

    /// <summary>Null (the default: none), never, or 2 to 60 ms.</summary>
    internal static TimeSpan? Ttl(Random random) => random.Next(4) switch
    {
        0 => null,
        1 => Timeout.InfiniteTimeSpan,
        _ => TimeSpan.FromMilliseconds(random.Next(2, 60)),
    };
}

/// <summary><see cref="AtomicLruStorage{T}"/> with values of <typeparamref name="T"/>.</summary>
internal sealed class StorageTarget<T>(string name, Func<int, long, T> wrap, Func<T, int, bool> belongs, AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru) : SoakTarget
{
    private readonly AtomicLruStorage<T> _storage = new(Expiries.Options(policy));

    internal override string Name => name + Expiries.Suffix(policy);

    internal override void Set(Random random, int key, long value) => _storage.Set(Key(key), wrap(key, value), Expiries.Ttl(random));

    internal override Read Get(int key) => _storage.TryGet(Key(key), out T? value) ? (belongs(value!, key) ? Read.Hit : Read.Wrong) : Read.Miss;

    internal override Read GetOrAdd(Random random, int key, long value)
        => belongs(_storage.GetOrAdd(Key(key), _ => wrap(key, value), Expiries.Ttl(random)), key) ? Read.Hit : Read.Wrong;

    internal override void Remove(int key) => _storage.Remove(Key(key));

    internal override void Peek(int key) => _storage.ContainsKey(Key(key));

    internal override void Clear() => _storage.Clear();

    internal override (int Count, long Size) Observe() => (_storage.Engine.Count, 0);

    internal override (long Hits, long Misses) Statistics()
    {
        AtomicLruStatistics statistics = _storage.GetStatistics();
        return (statistics.Hits, statistics.Misses);
    }

    internal override void CheckInvariants() => _storage.Engine.CheckInvariants();

    public override void Dispose() => _storage.Dispose();

    internal static string Key(int key) => "key:" + key.ToString(CultureInfo.InvariantCulture);
}

/// <summary><see cref="AtomicLruCache"/>: serialized values within a byte limit.</summary>
internal sealed class SerializedTarget(AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru) : SoakTarget
{
    private const long Limit = 256 * 1024;
    private readonly AtomicLruCache _cache = new(new AtomicLruOptions
    {
        MaxItems = MaxItems,
        SizeLimitInBytes = Limit,
        ExpirationScanFrequency = TimeSpan.FromMilliseconds(10),
        EvictionPolicy = policy,
    });

    internal override string Name => nameof(AtomicLruCache) + Expiries.Suffix(policy);

    internal override long? SizeLimit => Limit;

    internal override void Set(Random random, int key, long value) => _cache.Set(StorageTarget<long>.Key(key), value, Expiries.Ttl(random));

    internal override Read Get(int key) => _cache.TryGet(StorageTarget<long>.Key(key), out long value) ? (Belongs(value, key) ? Read.Hit : Read.Wrong) : Read.Miss;

    internal override Read GetOrAdd(Random random, int key, long value)
        => Belongs(_cache.GetOrAdd(StorageTarget<long>.Key(key), _ => value, Expiries.Ttl(random)), key) ? Read.Hit : Read.Wrong;

    internal override void Remove(int key) => _cache.Remove(StorageTarget<long>.Key(key));

    internal override void Peek(int key) => _cache.ContainsKey(StorageTarget<long>.Key(key));

    internal override void Clear() => _cache.Clear();

    internal override (int Count, long Size) Observe() => (_cache.Engine.Count, _cache.Engine.Size);

    internal override (long Hits, long Misses) Statistics()
    {
        AtomicLruStatistics statistics = _cache.GetStatistics();
        return (statistics.Hits, statistics.Misses);
    }

    internal override void CheckInvariants() => _cache.Engine.CheckInvariants();

    public override void Dispose() => _cache.Dispose();
}

/// <summary>
/// <see cref="IMemoryCache"/> from a container: every kind of expiry, sizes, priorities, and post-eviction callbacks,
/// each of which must run exactly once.
/// </summary>
internal sealed class MemoryCacheTarget : SoakTarget
{
    private const long Limit = 512 * 1024;
    private readonly ServiceProvider _services;
    private readonly AtomicLruMemoryCache _cache;
    private readonly ConcurrentDictionary<long, int> _callbacks = new();
    private readonly PostEvictionDelegate _onEvicted;
    private long _nextCallback;

    private readonly AtomicLruEvictionPolicy _policy;

    internal MemoryCacheTarget(AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru)
    {
        _policy = policy;
        var services = new ServiceCollection();
        services.AddAtomicLruMemoryCache(options =>
        {
            options.MaxItems = MaxItems;
            options.SizeLimitInBytes = Limit;
            options.ExpirationScanFrequency = TimeSpan.FromMilliseconds(10);
            options.EvictionPolicy = policy;
        });
        _services = services.BuildServiceProvider();
        _cache = (AtomicLruMemoryCache)_services.GetRequiredService<IMemoryCache>();
        _onEvicted = (_, _, _, state) => _callbacks.AddOrUpdate((long)state!, 1, static (_, runs) => runs + 1);
    }

    internal override string Name => "IMemoryCache" + Expiries.Suffix(_policy);

    internal override long? SizeLimit => Limit;

    internal override void Set(Random random, int key, long value)
    {
        using ICacheEntry entry = _cache.CreateEntry(key);
        entry.Value = new Box(key, value);
        entry.Size = random.Next(0, 2000);
        switch (random.Next(5))
        {
            case 0: entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(random.Next(2, 60)); break;
            case 1: entry.AbsoluteExpiration = DateTimeOffset.UtcNow.AddMilliseconds(random.Next(2, 60)); break;
            case 2: entry.SlidingExpiration = TimeSpan.FromMilliseconds(random.Next(2, 60)); break;
        }

        if (random.Next(4) == 0)
        {
            long id = Interlocked.Increment(ref _nextCallback);
            _callbacks[id] = 0;
            entry.RegisterPostEvictionCallback(_onEvicted, id);
        }

        if (random.Next(50) == 0)
        {
            entry.Priority = CacheItemPriority.NeverRemove;
        }
    }

    internal override Read Get(int key) => _cache.TryGetValue(key, out object? value) ? (value is Box box && box.Key == key && Belongs(box.Value, key) ? Read.Hit : Read.Wrong) : Read.Miss;

    internal override Read GetOrAdd(Random random, int key, long value) => ReadOrSet(random, key, value);

    internal override void Remove(int key) => _cache.Remove(key);

    internal override void Peek(int key)
    {
        // IMemoryCache has no read that leaves recency alone; Keys is a snapshot under the lock.
        if (key % 64 == 0)
        {
            _ = _cache.Keys;
        }
    }

    internal override void Clear() => _cache.Clear();

    internal override void Rare(Random random) => _cache.Compact(random.NextDouble() / 4);

    internal override (int Count, long Size) Observe() => (_cache.Engine.Count, _cache.Engine.Size);

    internal override (long Hits, long Misses) Statistics()
    {
        MemoryCacheStatistics statistics = _cache.GetCurrentStatistics()!;
        return (statistics.TotalHits, statistics.TotalMisses);
    }

    internal override void CheckInvariants() => _cache.Engine.CheckInvariants();

    internal override void CheckAfterClear()
    {
        foreach (var (id, runs) in _callbacks)
        {
            if (runs != 1)
            {
                Violation($"the post-eviction callback of entry {id} ran {runs} times");
            }
        }
    }

    public override void Dispose() => _services.Dispose();

    private sealed record Box(int Key, long Value);
}

/// <summary><see cref="IDistributedCache"/> from a container: none, relative, absolute and sliding expiry, and Refresh.</summary>
internal sealed class DistributedCacheTarget : SoakTarget
{
    private const long Limit = 256 * 1024;
    private readonly ServiceProvider _services;
    private readonly AtomicLruDistributedCache _cache;

    private readonly AtomicLruEvictionPolicy _policy;

    internal DistributedCacheTarget(AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru)
    {
        _policy = policy;
        var services = new ServiceCollection();
        services.AddAtomicLruDistributedCache(options =>
        {
            options.MaxItems = MaxItems;
            options.SizeLimitInBytes = Limit;
            options.ExpirationScanFrequency = TimeSpan.FromMilliseconds(10);
            options.EvictionPolicy = policy;
        });
        _services = services.BuildServiceProvider();
        _cache = (AtomicLruDistributedCache)_services.GetRequiredService<IDistributedCache>();
    }

    internal override string Name => "IDistributedCache" + Expiries.Suffix(_policy);

    internal override long? SizeLimit => Limit;

    internal override void Set(Random random, int key, long value)
        => _cache.Set(StorageTarget<long>.Key(key), Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture)), random.Next(4) switch
        {
            0 => new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(random.Next(2, 60)) },
            1 => new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddMilliseconds(random.Next(2, 60)) },
            2 => new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMilliseconds(random.Next(2, 60)) },
            _ => new DistributedCacheEntryOptions(),
        });

    internal override Read Get(int key)
        => _cache.Get(StorageTarget<long>.Key(key)) is byte[] bytes
            ? (long.TryParse(Encoding.UTF8.GetString(bytes), CultureInfo.InvariantCulture, out long value) && Belongs(value, key) ? Read.Hit : Read.Wrong)
            : Read.Miss;

    internal override Read GetOrAdd(Random random, int key, long value) => ReadOrSet(random, key, value);

    internal override void Remove(int key) => _cache.Remove(StorageTarget<long>.Key(key));

    internal override void Peek(int key) => _cache.Refresh(StorageTarget<long>.Key(key));

    internal override void Clear() => _cache.Cache.Clear();

    internal override (int Count, long Size) Observe() => (_cache.Cache.Engine.Count, _cache.Cache.Engine.Size);

    internal override (long Hits, long Misses) Statistics()
    {
        AtomicLruStatistics statistics = _cache.Cache.GetStatistics();
        return (statistics.Hits, statistics.Misses);
    }

    internal override void CheckInvariants() => _cache.Cache.Engine.CheckInvariants();

    public override void Dispose() => _services.Dispose();
}
