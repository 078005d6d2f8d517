using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using AtomicLru.Tests.Linearizability;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// The linearizability checker of the engine's tests (see <c>LinearizabilityCheck</c>) on the Microsoft faces, each
/// resolved from a real container built with <c>AddAtomicLru</c>, with every kind of expiry those faces offer.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class MicrosoftFaceLinearizabilityTests
{
    private const long Iterations = 1500;
    private static readonly Expiry[] AllKinds = [Expiry.None, Expiry.ShortTtl, Expiry.LongTtl, Expiry.Sliding];

    [Fact]
    public void MemoryCache_from_the_container_is_linearizable()
        => LinearizabilityCheck.Run(time => new MemoryCacheFace(time), AllKinds, FaceOperations.None, Iterations);

    [Fact]
    public void DistributedCache_from_the_container_is_linearizable()
        => LinearizabilityCheck.Run(time => new DistributedCacheFace(time), AllKinds, FaceOperations.Refresh, Iterations);

    [Fact]
    public void MemoryCache_under_TinyLfu_is_linearizable()
        => LinearizabilityCheck.Run(time => new MemoryCacheFace(time, AtomicLruEvictionPolicy.TinyLfu), AllKinds, FaceOperations.None, Iterations, policy: AtomicLruEvictionPolicy.TinyLfu);

    [Fact]
    public void DistributedCache_under_TinyLfu_is_linearizable()
        => LinearizabilityCheck.Run(time => new DistributedCacheFace(time, AtomicLruEvictionPolicy.TinyLfu), AllKinds, FaceOperations.Refresh, Iterations, policy: AtomicLruEvictionPolicy.TinyLfu);

    [Fact]
    public void MemoryCache_reads_racing_overwrites_that_change_the_expiry_kind_are_linearizable()
        => LinearizabilityCheck.RunOneKeyOverwrites(time => new MemoryCacheFace(time), AllKinds, Iterations);

    [Fact]
    public void DistributedCache_reads_racing_overwrites_that_change_the_expiry_kind_are_linearizable()
        => LinearizabilityCheck.RunOneKeyOverwrites(time => new DistributedCacheFace(time), AllKinds, Iterations);

    private static ServiceProvider Container(FakeTimeProvider time, AtomicLruEvictionPolicy policy)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddAtomicLru(options =>
        {
            options.MaxItems = CheckedOptions.MaxItems;
            options.ExpirationScanFrequency = TimeSpan.FromSeconds(1);
            options.EvictionPolicy = policy;
        });
        return services.BuildServiceProvider();
    }

    private sealed class MemoryCacheFace : ICacheFace
    {
        private readonly FakeTimeProvider _time;
        private readonly ServiceProvider _services;
        private readonly IMemoryCache _cache;

        internal MemoryCacheFace(FakeTimeProvider time, AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru)
        {
            _time = time;
            _services = Container(time, policy);
            _cache = _services.GetRequiredService<IMemoryCache>();
        }

        public string Name => "IMemoryCache";

        public string Get(string key) => _cache.TryGetValue(key, out object? value) ? "hit:" + ((int)value!).ToString(CultureInfo.InvariantCulture) : "miss";

        public void Set(string key, int value, Expiry expiry)
        {
            using ICacheEntry entry = _cache.CreateEntry(key);
            entry.Value = value;
            switch (expiry)
            {
                case Expiry.ShortTtl: entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(1500); break;
                case Expiry.LongTtl:
                    entry.AbsoluteExpiration = _time.GetUtcNow().AddMilliseconds(2500);
                    entry.RegisterPostEvictionCallback(static (_, _, _, _) => { }); // the engine then holds the entry object
                    break;
                case Expiry.Sliding: entry.SlidingExpiration = TimeSpan.FromMilliseconds(1500); break;
            }
        }

        public string GetOrAdd(string key, int value, Expiry expiry) => throw new NotSupportedException("IMemoryCache has no atomic GetOrAdd.");

        public string Remove(string key)
        {
            _cache.Remove(key);
            return "ok";
        }

        public string Contains(string key) => throw new NotSupportedException("IMemoryCache has no ContainsKey.");

        public void Refresh(string key) => throw new NotSupportedException("IMemoryCache has no Refresh.");

        public void Clear() => ((AtomicLruMemoryCache)_cache).Clear();

        public SortedDictionary<string, int> LiveEntries(IEnumerable<string> keys)
        {
            var live = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (string key in keys)
            {
                if (_cache.TryGetValue(key, out object? value))
                {
                    live[key] = (int)value!;
                }
            }

            return live;
        }

        public void CheckInvariants() => ((AtomicLruMemoryCache)_cache).Engine.CheckInvariants();

        public void Dispose() => _services.Dispose();
    }

    private sealed class DistributedCacheFace : ICacheFace
    {
        private readonly FakeTimeProvider _time;
        private readonly ServiceProvider _services;
        private readonly IDistributedCache _cache;

        internal DistributedCacheFace(FakeTimeProvider time, AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru)
        {
            _time = time;
            _services = Container(time, policy);
            _cache = _services.GetRequiredService<IDistributedCache>();
        }

        public string Name => "IDistributedCache";

        public string Get(string key) => _cache.Get(key) is byte[] bytes ? "hit:" + Encoding.UTF8.GetString(bytes) : "miss";

        public void Set(string key, int value, Expiry expiry)
            => _cache.Set(key, Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture)), expiry switch
            {
                Expiry.ShortTtl => new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(1500) },
                Expiry.LongTtl => new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow().AddMilliseconds(2500) },
                Expiry.Sliding => new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMilliseconds(1500) },
                _ => new DistributedCacheEntryOptions(),
            });

        public string GetOrAdd(string key, int value, Expiry expiry) => throw new NotSupportedException("IDistributedCache has no GetOrAdd.");

        public string Remove(string key)
        {
            _cache.Remove(key);
            return "ok";
        }

        public string Contains(string key) => throw new NotSupportedException("IDistributedCache has no ContainsKey.");

        public void Refresh(string key) => _cache.Refresh(key);

        public void Clear() => ((AtomicLruDistributedCache)_cache).Cache.Clear();

        public SortedDictionary<string, int> LiveEntries(IEnumerable<string> keys)
        {
            var live = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (string key in keys)
            {
                if (_cache.Get(key) is byte[] bytes)
                {
                    live[key] = int.Parse(Encoding.UTF8.GetString(bytes), CultureInfo.InvariantCulture);
                }
            }

            return live;
        }

        public void CheckInvariants() => ((AtomicLruDistributedCache)_cache).Cache.Engine.CheckInvariants();

        public void Dispose() => _services.Dispose();
    }
}
