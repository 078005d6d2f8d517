using System;
using System.Collections.Concurrent;
using AtomicLru;
using AtomicLru.Engine;
using AtomicLru.Extensions;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>
/// Managed bytes per entry with 1,000,000 entries of int keys and one shared value, side by side: the
/// structure's own cost (IMemoryCache faces also box their keys, which both pay alike).
/// </summary>
internal static class BytesPerEntry
{
    private const int Entries = 1_000_000;

    public static void Run()
    {
        Report.Line($"## Managed bytes per entry at {Entries:N0} entries (int keys, one shared value)");
        Report.Line();
        Report.Line("| structure | bytes per entry |");
        Report.Line("|---|---|");
        var value = new object();
        Measure("ConcurrentDictionary<int, object>", () =>
        {
            var d = new ConcurrentDictionary<int, object>();
            for (int i = 0; i < Entries; i++) { d[i] = value; }
            return d;
        });
        Measure("locked LRU: Dictionary<int, LinkedListNode> + LinkedList", () =>
        {
            var map = new System.Collections.Generic.Dictionary<int, System.Collections.Generic.LinkedListNode<(int, object)>>();
            var order = new System.Collections.Generic.LinkedList<(int, object)>();
            for (int i = 0; i < Entries; i++) { map[i] = order.AddFirst((i, value)); }
            return (map, order);
        });
        Measure("BitFaster ConcurrentLru<int, object>", () =>
        {
            var lru = new ConcurrentLru<int, object>(Entries);
            for (int i = 0; i < Entries; i++) { lru.AddOrUpdate(i, value); }
            return lru;
        });
        Measure("BitFaster ConcurrentTLru<int, object>", () =>
        {
            var lru = new ConcurrentTLru<int, object>(Entries, TimeSpan.FromHours(1));
            for (int i = 0; i < Entries; i++) { lru.AddOrUpdate(i, value); }
            return lru;
        });
        Measure("AtomicLru engine<int, object>, no TTL", () =>
        {
            var engine = new LruEngine<int, object>(Entries, null, null, TimeSpan.FromSeconds(1));
            for (int i = 0; i < Entries; i++) { engine.Set(i, value, System.Threading.Timeout.InfiniteTimeSpan, 0); }
            return engine;
        });
        Measure("AtomicLru engine<int, object>, TTL", () =>
        {
            var engine = new LruEngine<int, object>(Entries, null, null, TimeSpan.FromSeconds(1));
            for (int i = 0; i < Entries; i++) { engine.Set(i, value, TimeSpan.FromHours(1), 0); }
            return engine;
        });
        Measure("MemoryCache (IMemoryCache, boxed keys)", () =>
        {
            var cache = new MemoryCache(Options.Create(new MemoryCacheOptions()));
            for (int i = 0; i < Entries; i++) { cache.Set(i, value); }
            return cache;
        });
        Measure("AtomicLruMemoryCache (IMemoryCache, boxed keys)", () =>
        {
            var cache = new AtomicLruMemoryCache(new AtomicLruOptions());
            for (int i = 0; i < Entries; i++) { cache.Set(i, value); }
            return cache;
        });
        Report.Line();
    }

    private static void Measure(string name, Func<object> fill)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        object structure = fill();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Report.Line($"| {name} | {(after - before) / (double)Entries:F0} |");
        GC.KeepAlive(structure);
        (structure as IDisposable)?.Dispose();
    }
}
