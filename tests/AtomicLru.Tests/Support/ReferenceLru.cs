using System;
using System.Collections.Generic;
using System.Linq;

namespace AtomicLru.Tests;

/// <summary>
/// A plain, obviously correct LRU with TTL, written for the model check: a list in recency order,
/// scanned on every call. Time is whole seconds; every entry whose expiry has come is reclaimed by any
/// write and whenever the clock moves, which is what the engine does with second-aligned times.
/// </summary>
internal sealed class ReferenceLru(int? maxItems, long? defaultTtlSeconds)
{
    private readonly List<(string Key, int Value, long ExpiresAt)> _entries = []; // most recent first

    public long Now { get; private set; }

    public long Hits { get; private set; }

    public long Misses { get; private set; }

    public long CapacityEvictions { get; private set; }

    public long Expirations { get; private set; }

    public long Removals { get; private set; }

    public long Replacements { get; private set; }

    public long Cleared { get; private set; }

    public int Count => _entries.Count;

    public IEnumerable<string> KeysMostRecentFirst => _entries.Select(e => e.Key);

    /// <param name="ttlSeconds">null: the default; -1: never; otherwise seconds.</param>
    private long ExpiryFor(long? ttlSeconds)
    {
        long? ttl = ttlSeconds ?? defaultTtlSeconds;
        return ttl is null or -1 ? long.MaxValue : Now + ttl.Value;
    }

    public void Advance(long seconds)
    {
        Now += seconds;
        Reclaim();
    }

    private void Reclaim()
    {
        Expirations += _entries.RemoveAll(e => e.ExpiresAt <= Now);
    }

    private int IndexOf(string key) => _entries.FindIndex(e => e.Key == key);

    public (bool Found, int Value) TryGet(string key)
    {
        int i = IndexOf(key);
        if (i < 0)
        {
            Misses++;
            return (false, 0);
        }

        var entry = _entries[i];
        _entries.RemoveAt(i);
        _entries.Insert(0, entry);
        Hits++;
        return (true, entry.Value);
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public void Set(string key, int value, long? ttlSeconds)
    {
        Reclaim();
        int i = IndexOf(key);
        if (i >= 0)
        {
            _entries.RemoveAt(i);
            Replacements++;
        }

        _entries.Insert(0, (key, value, ExpiryFor(ttlSeconds)));
        while (maxItems is int max && _entries.Count > max)
        {
            _entries.RemoveAt(_entries.Count - 1);
            CapacityEvictions++;
        }
    }

    public int GetOrAdd(string key, int value, long? ttlSeconds)
    {
        (bool found, int existing) = TryGet(key);
        if (found)
        {
            return existing;
        }

        Set(key, value, ttlSeconds);
        return value;
    }

    public bool Remove(string key)
    {
        Reclaim();
        int i = IndexOf(key);
        if (i < 0)
        {
            return false;
        }

        _entries.RemoveAt(i);
        Removals++;
        return true;
    }

    public void Clear()
    {
        Cleared += _entries.Count;
        _entries.Clear();
    }
}
