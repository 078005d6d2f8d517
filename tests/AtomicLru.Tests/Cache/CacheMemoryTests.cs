using System;
using System.Threading;
using AtomicLru;
using AtomicLru.Engine;
using Xunit.Abstractions;

namespace AtomicLru.Tests;

[CollectionDefinition(nameof(HeapMeasurement), DisableParallelization = true)]
public sealed class HeapMeasurement;

/// <summary>
/// SizeLimitInBytes is honest: a full cache holds about that much managed memory, whatever the value
/// size, because each entry is charged its key and bookkeeping as well as its payload. Measured on the
/// real heap, with no other test running.
/// </summary>
[Collection(nameof(HeapMeasurement))]
public sealed class CacheMemoryTests(ITestOutputHelper output)
{
    private const long Limit = 32L * 1024 * 1024;

    [Theory]
    [InlineData(16)]
    [InlineData(1024)]
    [InlineData(64 * 1024)]
    public void A_full_cache_holds_close_to_its_size_limit_on_the_heap(int valueSize)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = Limit });
        byte[] value = new byte[valueSize];
        long inserted = 0;
        // Insert twice what fits (an entry costs its value and about 200 bytes more), so the cache is full
        // and has evicted for a while.
        while (inserted * (valueSize + 200) < 2 * Limit)
        {
            cache.SetBytes("key:" + inserted, value);
            inserted++;
        }

        long after = GC.GetTotalMemory(forceFullCollection: true);
        long held = after - before;
        double ratio = (double)held / Limit;
        output.WriteLine($"{valueSize}-byte values: {cache.Count:N0} entries hold {held:N0} bytes on the heap, {ratio:P1} of the limit");
        Assert.True(cache.GetStatistics().CapacityEvictions > 0);
        Assert.True(cache.SizeInBytes <= Limit);
        Assert.True(ratio <= 1.15, $"{valueSize}-byte values: the cache holds {held:N0} bytes, {ratio:P1} of its {Limit:N0}-byte limit ({cache.Count:N0} entries)");
        Assert.True(ratio >= 0.85, $"{valueSize}-byte values: the cache holds only {held:N0} bytes, {ratio:P1} of its limit: it charges more than entries cost");
        GC.KeepAlive(cache);
        cache.Dispose();
    }

    [Fact]
    public void Evicted_entries_over_1_KB_are_let_go_at_once_and_smaller_ones_within_seven_evictions()
    {
        // The recency log empties an evicted entry's slot lazily (eight at a time) only for entries of at most
        // 1 KB; a bigger value must not stay reachable after its eviction. Entries with a sliding expiry, whose
        // nodes are never reused (a reused node lets go of its old value at once: see the next test).
        // A hundred entries, so the recency log (128 slots) has room and no append forces a sweep.
        TimeSpan ttl = TimeSpan.FromDays(1);
        TimeSpan sliding = TimeSpan.FromHours(1);
        using var engine = new LruEngine<int, byte[]>(null, 100 * 2048, null, TimeSpan.FromSeconds(1));
        // Thirteen evictions: not a multiple of a sweep, so some slots are left unswept at the end.
        WeakReference[] large = Fill(engine, first: 0, count: 100, valueSize: 2048, ttl, sliding);
        Fill(engine, first: 1000, count: 13, valueSize: 2048, ttl, sliding); // evicts the first thirteen
        Assert.Equal(0, AliveAfterCollection(large[..13]));
        Assert.Equal(87, AliveAfterCollection(large[13..])); // still cached

        using var small = new LruEngine<int, byte[]>(100, null, null, TimeSpan.FromSeconds(1));
        WeakReference[] tiny = Fill(small, first: 0, count: 100, valueSize: 16, ttl, sliding);
        Fill(small, first: 1000, count: 13, valueSize: 16, ttl, sliding);
        int alive = AliveAfterCollection(tiny[..13]);
        Assert.InRange(alive, 0, RecencyLog<int, byte[]>.SweepEvery - 1);
        Assert.True(alive > 0, "no small evicted entry waited for a sweep: the test no longer shows the large ones are treated apart");
        small.CheckInvariants();
        engine.CheckInvariants();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_entry_that_evicts_one_of_its_kind_takes_over_its_node_and_the_old_value_is_let_go_at_once(bool expires)
    {
        TimeSpan ttl = expires ? TimeSpan.FromDays(1) : Timeout.InfiniteTimeSpan;
        using var engine = new LruEngine<int, byte[]>(100, null, null, TimeSpan.FromSeconds(1));
        WeakReference[] first = Fill(engine, first: 0, count: 100, valueSize: 16, ttl);
        Fill(engine, first: 1000, count: 13, valueSize: 16, ttl); // evicts the first thirteen
        Assert.Equal(0, AliveAfterCollection(first[..13])); // small ones too: their nodes hold the new values now
        Assert.Equal(87, AliveAfterCollection(first[13..]));

        // A write that evicts allocates nothing: not the node, not anything else.
        byte[] value = new byte[16];
        engine.Set(2000, value, ttl, 16); // compiled before counting
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int key = 3000; key < 4000; key++)
        {
            engine.Set(key, value, ttl, 16);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(100, engine.Count);
        for (int key = 3900; key < 4000; key++)
        {
            Assert.True(engine.TryGet(key, out byte[]? got));
            Assert.Same(value, got);
        }

        Assert.False(engine.TryGet(3899, out _));
        engine.CheckInvariants();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference[] Fill(LruEngine<int, byte[]> target, int first, int count, int valueSize, TimeSpan ttl, TimeSpan sliding = default)
    {
        var values = new WeakReference[count];
        for (int i = 0; i < count; i++)
        {
            byte[] value = new byte[valueSize];
            values[i] = new WeakReference(value);
            Assert.True(target.Set(first + i, value, ttl, valueSize, sliding));
        }

        return values;
    }

    private static int AliveAfterCollection(WeakReference[] values)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Array.FindAll(values, value => value.IsAlive).Length;
    }

    [Fact]
    public void Each_entry_is_charged_for_the_kind_of_node_it_gets()
    {
        // The node sizes themselves are checked against the runtime below; here, that each entry pays for its own kind.
        using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = Limit });
        byte[] payload = new byte[100];
        long plain = ChargeOf(() => cache.SetBytes("p1", payload));
        long forever = ChargeOf(() => cache.SetBytes("p2", payload, Timeout.InfiniteTimeSpan));
        long timed = ChargeOf(() => cache.SetBytes("t1", payload, TimeSpan.FromMinutes(1)));
        long saturated = ChargeOf(() => cache.SetBytes("t2", payload, TimeSpan.MaxValue)); // stored as never, charged as timed
        long sliding = ChargeOf(() => Assert.True(cache.SetPayload("s1", payload, TimeSpan.FromHours(1), sliding: TimeSpan.FromMinutes(1))));

        Assert.Equal(plain, forever);
        Assert.Equal(EntrySize.TimedNodeBytes - EntrySize.NodeBytes, timed - plain);
        Assert.Equal(timed, saturated);
        Assert.Equal(EntrySize.SlidingNodeBytes - EntrySize.TimedNodeBytes, sliding - timed);
        Assert.Equal(EntrySize.Of("p1", payload.Length, Timeout.InfiniteTimeSpan), plain);

        long ChargeOf(Action set)
        {
            long before = cache.SizeInBytes;
            set();
            return cache.SizeInBytes - before;
        }
    }

    [Fact]
    public void The_node_sizes_the_cache_charges_are_what_the_runtime_allocates_for_each_kind_of_node()
    {
        Assert.Equal(EntrySize.NodeBytes, Allocated(static () => new Node<string, byte[]>("k", 1, Array.Empty<byte>(), Node<string, byte[]>.Never, 1)));
        Assert.Equal(EntrySize.TimedNodeBytes, Allocated(static () => new TimedNode<string, byte[]>("k", 1, Array.Empty<byte>(), 5, 1)));
        Assert.Equal(EntrySize.SlidingNodeBytes, Allocated(static () => new SlidingNode<string, byte[]>("k", 1, Array.Empty<byte>(), 5, 1, 2, 9)));

        static long Allocated(Func<object> make)
        {
            make(); // compiled, and any static state made, before counting
            long before = GC.GetAllocatedBytesForCurrentThread();
            object made = make();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            GC.KeepAlive(made);
            return allocated;
        }
    }
}
