using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Linq;
using System.Text;
using System.Threading;
using AtomicLru;
using AtomicLru.Extensions;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>What the AtomicLru distributed face adds to the contract: shared bytes, buffers, copies, limits.</summary>
public sealed class AtomicLruDistributedCacheTests
{
    private readonly FakeTimeProvider _time = new();

    private (AtomicLruCache Cache, AtomicLruDistributedCache Distributed) Create(long sizeLimit = 1024 * 1024, long? maxItemSize = null)
    {
        var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = sizeLimit, MaxItemSizeInBytes = maxItemSize }, timeProvider: _time);
        return (cache, new AtomicLruDistributedCache(cache));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] memory, Segment? previous = null)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    [Fact]
    public void Both_faces_see_the_same_bytes()
    {
        (AtomicLruCache cache, AtomicLruDistributedCache distributed) = Create();
        cache.Set("from-cache", "héllo");
        Assert.Equal("héllo", distributed.GetString("from-cache"));

        distributed.SetString("from-distributed", "wörld");
        Assert.True(cache.TryGet("from-distributed", out string? text));
        Assert.Equal("wörld", text);

        distributed.Remove("from-cache");
        Assert.False(cache.ContainsKey("from-cache"));
    }

    [Fact]
    public void Buffer_paths_read_into_a_writer_and_store_multi_segment_sequences()
    {
        (_, AtomicLruDistributedCache distributed) = Create();
        var first = new Segment(Encoding.UTF8.GetBytes("hello, "));
        var last = new Segment(Encoding.UTF8.GetBytes("world"), first);
        distributed.Set("k", new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), new DistributedCacheEntryOptions());

        var writer = new ArrayBufferWriter<byte>();
        Assert.True(distributed.TryGet("k", writer));
        Assert.Equal("hello, world", Encoding.UTF8.GetString(writer.WrittenSpan));
        Assert.False(distributed.TryGet("missing", writer));
        Assert.Throws<ArgumentNullException>(() => distributed.TryGet("k", null!));
        Assert.Throws<ArgumentNullException>(() => distributed.Set(null!, ReadOnlySequence<byte>.Empty, new DistributedCacheEntryOptions()));
        Assert.Throws<ArgumentNullException>(() => distributed.Set("k", ReadOnlySequence<byte>.Empty, null!));
    }

    [Fact]
    public void Set_stores_a_copy_so_the_caller_may_reuse_its_array()
    {
        (_, AtomicLruDistributedCache distributed) = Create();
        byte[] buffer = Encoding.UTF8.GetBytes("original");
        distributed.Set("k", buffer, new DistributedCacheEntryOptions());
        buffer[0] = (byte)'X';
        Assert.Equal("original", distributed.GetString("k"));
    }

    [Fact]
    public void The_buffer_read_allocates_nothing_and_an_overwrite_allocates_only_the_payload()
    {
        (_, AtomicLruDistributedCache distributed) = Create();
        var value = new ReadOnlySequence<byte>(new byte[1024]);
        var options = new DistributedCacheEntryOptions();
        var writer = new ArrayBufferWriter<byte>(4096);
        distributed.Set("k", value, options);
        for (int i = 0; i < 100; i++)
        {
            // Warm up: JIT, tiering, the thread's serialization buffer and read-buffer stripe.
            writer.ResetWrittenCount();
            distributed.TryGet("k", writer);
            distributed.Set("k", value, options);
        }

        writer.ResetWrittenCount();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            writer.ResetWrittenCount();
            distributed.TryGet("k", writer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        before = GC.GetAllocatedBytesForCurrentThread();
        distributed.Set("k", value, options);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(24 + 1024, allocated); // the stored array: header, method table, length, payload
    }

    [Fact]
    public void The_byte_limit_evicts_least_recently_used_entries_and_refuses_oversized_ones()
    {
        (AtomicLruCache cache, AtomicLruDistributedCache distributed) = Create(sizeLimit: 64 * 1024, maxItemSize: 8 * 1024);
        for (int i = 0; i < 200; i++)
        {
            distributed.Set("k" + i, new byte[1000], new DistributedCacheEntryOptions());
            Assert.True(cache.SizeInBytes <= 64 * 1024);
        }

        Assert.Null(distributed.Get("k0"));
        Assert.NotNull(distributed.Get("k199"));

        distributed.Set("k199", new byte[10_000], new DistributedCacheEntryOptions());
        Assert.Null(distributed.Get("k199"));
        Assert.Equal(1, cache.GetStatistics().OversizedRejections);
    }

    [Fact]
    public void Sliding_entries_nobody_reads_are_reclaimed_in_the_background()
    {
        (AtomicLruCache cache, AtomicLruDistributedCache distributed) = Create();
        for (int i = 0; i < 50; i++)
        {
            distributed.SetString("idle" + i, "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) });
        }

        distributed.SetString("busy", "v", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) });
        for (int minute = 0; minute < 30; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal("v", distributed.GetString("busy"));
        }

        Assert.Equal(1, cache.Count); // the idle ones are gone without a read
        cache.Engine.CheckInvariants();
    }

    [Fact]
    public void Without_expiration_the_cache_default_ttl_applies()
    {
        var cache = new AtomicLruCache(new AtomicLruOptions { DefaultTtl = TimeSpan.FromMinutes(1) }, timeProvider: _time);
        var distributed = new AtomicLruDistributedCache(cache);
        distributed.SetString("k", "v");
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(distributed.GetString("k"));
    }

    [Fact]
    public void Reads_that_slide_never_stretch_the_lifetime_of_a_newer_value()
    {
        // Readers slide a 20-minute window without a lock while a writer, moving the clock a millisecond
        // at a time, keeps overwriting the value in place: once with no cap, once capped at one minute.
        // Whatever the interleaving, the last value written must expire after its own minute: a slide
        // computed for the older, uncapped value must not land on it.
        for (int round = 0; round < 10; round++)
        {
            (AtomicLruCache cache, AtomicLruDistributedCache distributed) = Create();
            var sliding = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) };
            var shortLived = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) };
            var errors = new ConcurrentQueue<Exception>();
            int done = 0;
            Thread[] threads = Enumerable.Range(0, 4).Select(id => new Thread(() =>
            {
                try
                {
                    if (id == 0)
                    {
                        try
                        {
                            for (int i = 0; i < 10_000; i++)
                            {
                                distributed.Set("k", [1], sliding);
                                _time.Advance(TimeSpan.FromMilliseconds(1));
                                distributed.Set("k", [2], shortLived);
                                Thread.SpinWait(50); // let a stale slide land, if one is in flight
                                cache.Engine.CheckInvariants(); // a sliding expiry never passes its cap
                            }
                        }
                        finally
                        {
                            Volatile.Write(ref done, 1); // the readers stop even when the writer fails
                        }

                        return;
                    }

                    while (Volatile.Read(ref done) == 0)
                    {
                        distributed.Get("k");
                        distributed.Refresh("k");
                    }
                }
                catch (Exception ex)
                {
                    errors.Enqueue(ex);
                }
            })).ToArray();
            Array.ForEach(threads, t => t.Start());
            Array.ForEach(threads, t => t.Join());

            Assert.Empty(errors);
            Assert.Equal([2], distributed.Get("k"));
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.Null(distributed.Get("k"));
            cache.Engine.CheckInvariants();
        }
    }
}
