using System;
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
