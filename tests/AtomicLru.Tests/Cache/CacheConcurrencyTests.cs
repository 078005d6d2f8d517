using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using AtomicLru;

namespace AtomicLru.Tests;

/// <summary>Many threads set, read and remove values of random sizes: the byte limit holds at every observation and the size never drifts.</summary>
public sealed class CacheConcurrencyTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void Byte_limit_holds_and_size_equals_the_sum_over_live_entries(int threads)
    {
        const long limit = 256 * 1024;
        using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = limit, MaxItemSizeInBytes = 16 * 1024 });
        var errors = new ConcurrentQueue<Exception>();
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(id => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                var random = new Random(id);
                var reader = new ArrayBufferWriter<byte>();
                for (int i = 0; i < 100_000; i++)
                {
                    int key = random.Next(500);
                    switch (random.Next(10))
                    {
                        case < 4:
                            // The value's bytes say which key it belongs to.
                            byte[] value = new byte[random.Next(0, 20_000)];
                            Array.Fill(value, (byte)key);
                            cache.SetBytes("k" + key, value);
                            long size = cache.SizeInBytes;
                            if (size > limit)
                            {
                                throw new InvalidOperationException($"SizeInBytes {size} over the limit after SetBytes returned");
                            }

                            break;
                        case < 5:
                            cache.Remove("k" + key);
                            break;
                        default:
                            reader.ResetWrittenCount();
                            if (cache.TryGetBytes("k" + key, reader) && reader.WrittenSpan.ContainsAnyExcept((byte)key))
                            {
                                throw new InvalidOperationException($"k{key} returned bytes of another key");
                            }

                            break;
                    }
                }
            }
            catch (Exception ex)
            {
                errors.Enqueue(ex);
            }
        })).ToArray();
        Array.ForEach(workers, w => w.Start());
        Array.ForEach(workers, w => w.Join());

        Assert.Empty(errors);
        cache.Engine.CheckInvariants(); // the sum of entry sizes equals SizeInBytes
        Assert.True(cache.SizeInBytes <= limit);
        Assert.True(cache.GetStatistics().OversizedRejections > 0);
        cache.Clear();
        Assert.Equal(0, cache.SizeInBytes);
    }
}
