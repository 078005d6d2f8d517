using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using AtomicLru.Policy;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// A write that had to wait for another write replays only its own thread's reads, and leaves a node already among its
/// region's newest quarter where it is; a write that did not wait replays every thread's reads in order. The test
/// thread makes a write overlap by holding the policy lock as a user write until the writer waits for it.
/// </summary>
public sealed class OverlappingWriteTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();

    private LruEngine<string, string> Create(int? maxItems, AtomicLruEvictionPolicy policy)
        => new(maxItems, null, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, evictionPolicy: policy);

    [Theory]
    [InlineData(AtomicLruEvictionPolicy.Lru, true)]
    [InlineData(AtomicLruEvictionPolicy.Lru, false)]
    [InlineData(AtomicLruEvictionPolicy.TinyLfu, true)]
    [InlineData(AtomicLruEvictionPolicy.TinyLfu, false)]
    public void Reads_of_the_newest_quarter_stay_in_place_only_when_the_write_overlapped(AtomicLruEvictionPolicy policy, bool overlapped)
    {
        // No limit: under TinyLfu every entry stays in the window, which is then the whole order, as LRU's log is.
        using var engine = Create(maxItems: null, policy);
        Fill(engine, "k", 8);

        // k7 and k6 are the newest quarter of eight; k0 the oldest.
        WriteAfterReads(engine, overlapped, ["k7", "k6", "k0"], "new");

        string[] expected = overlapped
            ? ["new", "k0", "k7", "k6", "k5", "k4", "k3", "k2", "k1"] // k7 and k6 were already among the newest: left where they were
            : ["new", "k0", "k6", "k7", "k5", "k4", "k3", "k2", "k1"]; // every read replayed in order
        Assert.Equal(expected, engine.SnapshotKeys());
        engine.CheckInvariants();
    }

    [Theory]
    [InlineData(AtomicLruEvictionPolicy.Lru)]
    [InlineData(AtomicLruEvictionPolicy.TinyLfu)]
    public void An_overlapping_write_leaves_other_threads_reads_for_a_later_write(AtomicLruEvictionPolicy policy)
    {
        // LRU: eight entries allowed, so the reads decide what each write evicts. TinyLfu: nothing is evicted, the window
        // holds the newest entry and the rest is probation, so a replayed read shows as a promotion to protected.
        bool lru = policy == AtomicLruEvictionPolicy.Lru;
        using var engine = Create(maxItems: lru ? 8 : 1_000, policy);
        Fill(engine, "k", 8);
        using var reader = new ParkedReader(engine, "k0", "k1");

        WriteAfterReads(engine, overlapped: true, [], "a");
        if (lru)
        {
            Assert.False(engine.ContainsKey("k0"), "the overlapping write replayed another thread's read of k0");
            Assert.True(engine.ContainsKey("k2"));
        }
        else
        {
            Assert.Empty(ProtectedNewestFirst(engine, snapshot: false));
        }

        engine.Set("b", "v", Timeout.InfiniteTimeSpan, 1); // does not overlap: replays the reader's stripe, k1 included
        if (lru)
        {
            Assert.True(engine.ContainsKey("k1"), "the reader's read of k1 was lost, not left for a later write");
            Assert.False(engine.ContainsKey("k2"));
        }
        else
        {
            Assert.Equal(["k1", "k0"], ProtectedNewestFirst(engine, snapshot: false));
        }

        engine.CheckInvariants();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Under_TinyLfu_protected_keeps_its_newest_quarter_in_place_and_probation_still_promotes(bool overlapped)
    {
        // 1,000 entries allowed: nothing is evicted; the window holds one entry, the rest is main.
        using var engine = Create(maxItems: 1_000, AtomicLruEvictionPolicy.TinyLfu);
        Fill(engine, "k", 20);
        for (int k = 0; k < 8; k++)
        {
            Assert.True(engine.TryGet("k" + k, out _));
        }

        engine.Set("x", "v", Timeout.InfiniteTimeSpan, 1); // replays the reads: k0 to k7 move to protected, k7 its newest
        Assert.Equal(["k7", "k6", "k5", "k4", "k3", "k2", "k1", "k0"], ProtectedNewestFirst(engine));

        // k7 and k6 are protected's newest quarter, k0 its oldest; k10 is in probation.
        string[] reads = ["k7", "k6", "k0", "k10"];
        int[] readsBefore = [.. reads.Select(key => engine.Table.Find(key, out _)!.UncountedReads.Reads)];
        WriteAfterReads(engine, overlapped, reads, "new");

        // Each read was counted in its node, whether or not it moved it: a read, not a write, whoever replayed it.
        int[] readsAfter = [.. reads.Select(key => engine.Table.Find(key, out _)!.UncountedReads.Reads)];
        Assert.Equal(readsBefore.Select(reads => reads + 1), readsAfter);

        string[] expected = overlapped
            ? ["k10", "k0", "k7", "k6", "k5", "k4", "k3", "k2", "k1"]
            : ["k10", "k0", "k6", "k7", "k5", "k4", "k3", "k2", "k1"];
        Assert.Equal(expected, ProtectedNewestFirst(engine));
        engine.CheckInvariants();
    }

    private static void Fill(LruEngine<string, string> engine, string prefix, int count)
    {
        for (int k = 0; k < count; k++)
        {
            Assert.True(engine.Set(prefix + k, "v", Timeout.InfiniteTimeSpan, 1));
        }
    }

    /// <summary>
    /// The keys in TinyLfu's protected segment, most recent first. From a snapshot, which first replays every pending read;
    /// without <paramref name="snapshot"/>, from the keys written by this class, in no order, and replaying nothing.
    /// </summary>
    private static List<string> ProtectedNewestFirst(LruEngine<string, string> engine, bool snapshot = true)
    {
        IEnumerable<string> keys = snapshot ? engine.SnapshotKeys() : Enumerable.Range(0, 20).Select(k => "k" + k).Where(engine.ContainsKey).OrderByDescending(key => Stamp(engine, key));
        return keys.Where(key => Stamp(engine, key) >= WindowTinyLfu<string, string>.ProtectedBase).ToList();
    }

    private static long Stamp(LruEngine<string, string> engine, string key) => engine.Table.Find(key, out _)!.RecencyStamp;

    /// <summary>A thread that reads some keys, each a hit, and stays alive until disposed: its stripe keeps its records and no writer thread gets its id.</summary>
    private sealed class ParkedReader : IDisposable
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _thread;
        private Exception? _error;

        internal ParkedReader(LruEngine<string, string> engine, params string[] keys)
        {
            using var readDone = new ManualResetEventSlim();
            _thread = new Thread(() =>
            {
                try
                {
                    foreach (string key in keys)
                    {
                        Assert.True(engine.TryGet(key, out _), $"{key} missed");
                    }
                }
                catch (Exception ex)
                {
                    _error = ex;
                }

                readDone.Set();
                _release.Wait();
            });
            _thread.Start();
            Assert.True(readDone.Wait(Patience));
            Assert.Null(_error);
        }

        public void Dispose()
        {
            _release.Set();
            _thread.Join();
            _release.Dispose();
        }
    }

    /// <summary>
    /// On a new thread, reads <paramref name="reads"/> (each must hit) and then sets <paramref name="key"/>. With
    /// <paramref name="overlapped"/>, the test thread holds the lock as a user write from before the set until the writer
    /// waits for it, so the set overlaps that write.
    /// </summary>
    private static void WriteAfterReads(LruEngine<string, string> engine, bool overlapped, string[] reads, string key)
    {
        using var readDone = new ManualResetEventSlim();
        using var write = new ManualResetEventSlim();
        Exception? error = null;
        var writer = new Thread(() =>
        {
            try
            {
                foreach (string read in reads)
                {
                    Assert.True(engine.TryGet(read, out _), $"{read} missed");
                }

                readDone.Set();
                write.Wait();
                Assert.True(engine.Set(key, "v", Timeout.InfiniteTimeSpan, 1));
            }
            catch (Exception ex)
            {
                error = ex;
                readDone.Set();
            }
        });
        writer.Start();
        Assert.True(readDone.Wait(Patience));
        if (overlapped)
        {
            Assert.False(engine.Policy.EnterWrite());
            try
            {
                write.Set();
                var waited = Stopwatch.StartNew();
                while (!engine.Policy.HasWaiter)
                {
                    Assert.True(waited.Elapsed < Patience, "the writer never waited for the lock");
                    Thread.Yield();
                }
            }
            finally
            {
                engine.Policy.Exit();
            }
        }
        else
        {
            write.Set();
        }

        writer.Join();
        Assert.Null(error);
    }
}
