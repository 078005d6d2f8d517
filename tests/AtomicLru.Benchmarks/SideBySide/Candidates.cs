using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using AtomicLru;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// One cache as the side-by-side harness drives it: string keys, object values, a lookup and a store.
/// Every candidate is called through this interface, so each pays the same dispatch cost.
/// </summary>
internal interface ICandidate : IDisposable
{
    string Name { get; }

    /// <summary>Entries held, as the cache itself reports them (expired ones it still holds included).</summary>
    int Count { get; }

    bool TryGet(string key, out object? value);

    void Set(string key, object value);
}

/// <summary>The candidates, by name, made for a capacity and an optional time to live.</summary>
internal static class Candidates
{
    internal const string Dictionary = "ConcurrentDictionary";
    internal const string LockedLru = "locked LRU";
    internal const string BitFaster = "BitFaster ConcurrentLru";
    internal const string BitFasterTimed = "BitFaster ConcurrentTLru";
    internal const string Memory = "MemoryCache";
    internal const string Atomic = "AtomicLru";
    internal const string BitFasterLfu = "BitFaster ConcurrentLfu";
    internal const string AtomicTinyLfu = "AtomicLru TinyLfu";
    internal const string BitFasterLfuForeground = "ConcurrentLfu, maintenance inline";

    internal static ICandidate Create(string name, int capacity, TimeSpan? ttl = null) => name switch
    {
        Dictionary => new DictionaryCandidate(capacity),
        LockedLru => new LockedLruCandidate(capacity),
        BitFaster => new BitFasterCandidate(capacity),
        BitFasterTimed => new BitFasterTimedCandidate(capacity, ttl ?? TimeSpan.FromHours(1)),
        Memory => new MemoryCandidate(capacity, ttl),
        Atomic => new AtomicCandidate(capacity, ttl),
        BitFasterLfu => new BitFasterLfuCandidate(capacity, inline: false),
        AtomicTinyLfu => new AtomicCandidate(capacity, ttl, AtomicLruEvictionPolicy.TinyLfu),
        BitFasterLfuForeground => new BitFasterLfuCandidate(capacity, inline: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such candidate."),
    };

    /// <summary>The floor of a hash lookup: unbounded, so it never evicts.</summary>
    private sealed class DictionaryCandidate(int capacity) : ICandidate
    {
        private readonly ConcurrentDictionary<string, object> _map = new(Environment.ProcessorCount, capacity);

        public string Name => Dictionary;

        public int Count => _map.Count;

        public bool TryGet(string key, out object? value) => _map.TryGetValue(key, out value);

        public void Set(string key, object value) => _map[key] = value;

        public void Dispose()
        {
        }
    }

    /// <summary>The textbook LRU: a Dictionary and a LinkedList under one lock.</summary>
    private sealed class LockedLruCandidate(int capacity) : ICandidate
    {
        private readonly Dictionary<string, LinkedListNode<(string Key, object Value)>> _map = new(capacity);
        private readonly LinkedList<(string Key, object Value)> _order = new();
        private readonly Lock _lock = new();

        public string Name => LockedLru;

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _map.Count;
                }
            }
        }

        public bool TryGet(string key, out object? value)
        {
            lock (_lock)
            {
                if (_map.TryGetValue(key, out LinkedListNode<(string Key, object Value)>? node))
                {
                    _order.Remove(node);
                    _order.AddFirst(node);
                    value = node.Value.Value;
                    return true;
                }
            }

            value = null;
            return false;
        }

        public void Set(string key, object value)
        {
            lock (_lock)
            {
                if (_map.TryGetValue(key, out LinkedListNode<(string Key, object Value)>? node))
                {
                    node.Value = (key, value);
                    _order.Remove(node);
                    _order.AddFirst(node);
                    return;
                }

                if (_map.Count == capacity)
                {
                    LinkedListNode<(string Key, object Value)> last = _order.Last!;
                    _order.RemoveLast();
                    _map.Remove(last.Value.Key);
                }

                _map[key] = _order.AddFirst((key, value));
            }
        }

        public void Dispose()
        {
        }
    }

    private sealed class BitFasterCandidate(int capacity) : ICandidate
    {
        private readonly ConcurrentLru<string, object> _lru = new(capacity);

        public string Name => BitFaster;

        public int Count => _lru.Count;

        public bool TryGet(string key, out object? value) => _lru.TryGet(key, out value);

        public void Set(string key, object value) => _lru.AddOrUpdate(key, value);

        public void Dispose()
        {
        }
    }

    private sealed class BitFasterTimedCandidate(int capacity, TimeSpan ttl) : ICandidate
    {
        private readonly ConcurrentTLru<string, object> _lru = new(capacity, ttl);

        public string Name => BitFasterTimed;

        public int Count => _lru.Count;

        public bool TryGet(string key, out object? value) => _lru.TryGet(key, out value);

        public void Set(string key, object value) => _lru.AddOrUpdate(key, value);

        public void Dispose()
        {
        }
    }

    /// <summary>MemoryCache with a size limit of one unit per entry (its only way to bound the count).</summary>
    private sealed class MemoryCandidate : ICandidate
    {
        private readonly MemoryCache _cache;
        private readonly MemoryCacheEntryOptions _entry;

        public MemoryCandidate(int capacity, TimeSpan? ttl)
        {
            // A scan every second when entries expire: the most MemoryCache can do to reclaim them on time.
            _cache = new MemoryCache(Options.Create(new MemoryCacheOptions { SizeLimit = capacity, ExpirationScanFrequency = TimeSpan.FromSeconds(1) }));
            _entry = new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = ttl };
        }

        public string Name => Memory;

        public int Count => _cache.Count;

        public bool TryGet(string key, out object? value) => _cache.TryGetValue(key, out value);

        public void Set(string key, object value) => _cache.Set(key, value, _entry);

        public void Dispose() => _cache.Dispose();
    }

    /// <summary>
    /// BitFaster's Window TinyLFU: as it comes (maintenance scheduled on the thread pool), or with its maintenance run by the
    /// calling thread, as AtomicLru's is: a reference for the one-thread throughput rows, where the thread pool's
    /// maintenance runs on the other core.
    /// </summary>
    private sealed class BitFasterLfuCandidate(int capacity, bool inline) : ICandidate
    {
        private readonly BitFaster.Caching.Lfu.ConcurrentLfu<string, object> _lfu = inline
            ? new(Environment.ProcessorCount, capacity, new BitFaster.Caching.Scheduler.ForegroundScheduler(), EqualityComparer<string>.Default)
            : new(capacity);

        public string Name => inline ? BitFasterLfuForeground : BitFasterLfu;

        public int Count => _lfu.Count;

        public bool TryGet(string key, out object? value) => _lfu.TryGet(key, out value);

        public void Set(string key, object value) => _lfu.AddOrUpdate(key, value);

        public void Dispose()
        {
        }
    }

    private sealed class AtomicCandidate(int capacity, TimeSpan? ttl, AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru) : ICandidate
    {
        private readonly AtomicLruStorage<object> _storage = new(new AtomicLruOptions { MaxItems = capacity, DefaultTtl = ttl, EvictionPolicy = policy });

        public string Name => policy == AtomicLruEvictionPolicy.Lru ? Atomic : AtomicTinyLfu;

        public int Count => _storage.Count;

        public bool TryGet(string key, out object? value) => _storage.TryGet(key, out value);

        public void Set(string key, object value) => _storage.Set(key, value);

        public void Dispose() => _storage.Dispose();
    }
}
