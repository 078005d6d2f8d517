using System;
using System.Collections.Concurrent;
using AtomicLru.Extensions;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AtomicLru.Benchmarks.Operations;

/// <summary>The caches every operation suite compares, built alike: room for <see cref="Capacity"/> entries.</summary>
public abstract class Competitors
{
    public const int Capacity = 1_000;
    protected static readonly object Value = new();
    protected static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    protected ConcurrentDictionary<string, object> Dictionary { get; private set; } = null!;
    protected ConcurrentLru<string, object> BitFaster { get; private set; } = null!;
    protected ConcurrentTLru<string, object> BitFasterTimed { get; private set; } = null!;
    protected MemoryCache Memory { get; private set; } = null!;
    protected AtomicLruStorage<object> Atomic { get; private set; } = null!;
    protected AtomicLruStorage<object> AtomicTimed { get; private set; } = null!;
    protected AtomicLruMemoryCache AtomicMemory { get; private set; } = null!;
    protected MemoryCacheEntryOptions MemoryEntry { get; } = new() { Size = 1 };

    protected void Build()
    {
        Dictionary = new ConcurrentDictionary<string, object>(Environment.ProcessorCount, Capacity);
        BitFaster = new ConcurrentLru<string, object>(Capacity);
        BitFasterTimed = new ConcurrentTLru<string, object>(Capacity, Ttl);
        Memory = new MemoryCache(Options.Create(new MemoryCacheOptions { SizeLimit = Capacity }));
        Atomic = new AtomicLruStorage<object>(new AtomicLruOptions { MaxItems = Capacity });
        AtomicTimed = new AtomicLruStorage<object>(new AtomicLruOptions { MaxItems = Capacity, DefaultTtl = Ttl });
        AtomicMemory = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = Capacity });
    }

    protected void Fill(string[] keys)
    {
        foreach (string key in keys)
        {
            Dictionary[key] = Value;
            BitFaster.AddOrUpdate(key, Value);
            BitFasterTimed.AddOrUpdate(key, Value);
            Memory.Set(key, Value, MemoryEntry);
            Atomic.Set(key, Value);
            AtomicTimed.Set(key, Value);
            AtomicMemory.Set(key, Value);
        }
    }

    protected void Dispose()
    {
        Memory.Dispose();
        Atomic.Dispose();
        AtomicTimed.Dispose();
        AtomicMemory.Dispose();
    }
}
