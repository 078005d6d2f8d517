using System;
using System.Collections.Generic;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests.Linearizability;

/// <summary><see cref="AtomicLruStorage{T}"/> with values of type <typeparamref name="T"/>, converted to and from int.</summary>
internal sealed class StorageFace<T>(FakeTimeProvider time, Func<int, T> wrap, Func<T, int> unwrap, AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru) : ICacheFace
{
    private readonly AtomicLruStorage<T> _storage = new(CheckedOptions.Create(policy), time);

    public string Name => $"AtomicLruStorage<{typeof(T).Name}>";

    public string Get(string key) => _storage.TryGet(key, out T? value) ? "hit:" + CacheUnderTest.Text(unwrap(value!)) : "miss";

    public void Set(string key, int value, Expiry expiry) => _storage.Set(key, wrap(value), CheckedOptions.Ttl(expiry));

    public string GetOrAdd(string key, int value, Expiry expiry) => CacheUnderTest.Text(unwrap(_storage.GetOrAdd(key, _ => wrap(value), CheckedOptions.Ttl(expiry))));

    public string Remove(string key) => _storage.Remove(key) ? "true" : "false";

    public string Contains(string key) => _storage.ContainsKey(key) ? "true" : "false";

    public void Refresh(string key) => _storage.TryGet(key, out _);

    public void Clear() => _storage.Clear();

    public SortedDictionary<string, int> LiveEntries(IEnumerable<string> keys)
    {
        var live = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            if (_storage.Engine.TryGetUncounted(key, out T? value))
            {
                live[key] = unwrap(value!);
            }
        }

        return live;
    }

    public void CheckInvariants() => _storage.Engine.CheckInvariants();

    public void Dispose() => _storage.Dispose();
}

/// <summary><see cref="AtomicLruCache"/>: values serialized.</summary>
internal sealed class SerializedCacheFace(FakeTimeProvider time, AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru) : ICacheFace
{
    private readonly AtomicLruCache _cache = new(CheckedOptions.Create(policy), timeProvider: time);

    public string Name => nameof(AtomicLruCache);

    public string Get(string key) => _cache.TryGet(key, out int value) ? "hit:" + CacheUnderTest.Text(value) : "miss";

    public void Set(string key, int value, Expiry expiry) => _cache.Set(key, value, CheckedOptions.Ttl(expiry));

    public string GetOrAdd(string key, int value, Expiry expiry) => CacheUnderTest.Text(_cache.GetOrAdd(key, _ => value, CheckedOptions.Ttl(expiry)));

    public string Remove(string key) => _cache.Remove(key) ? "true" : "false";

    public string Contains(string key) => _cache.ContainsKey(key) ? "true" : "false";

    public void Refresh(string key) => _cache.TryGet(key, out int _);

    public void Clear() => _cache.Clear();

    public SortedDictionary<string, int> LiveEntries(IEnumerable<string> keys)
    {
        var live = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            if (_cache.ContainsKey(key) && _cache.TryGet(key, out int value))
            {
                live[key] = value;
            }
        }

        return live;
    }

    public void CheckInvariants() => _cache.Engine.CheckInvariants();

    public void Dispose() => _cache.Dispose();
}
