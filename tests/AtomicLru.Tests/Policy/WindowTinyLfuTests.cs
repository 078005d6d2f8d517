using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// The engine under <see cref="AtomicLruEvictionPolicy.TinyLfu"/>: every write is stored and the limits hold as under
/// LRU, while entries read again and again survive scans and loops that flush an LRU.
/// </summary>
public sealed class WindowTinyLfuTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingListener _removals = new();

    private LruEngine<string, string> Create(int? maxItems, long? maxSize = null, AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.TinyLfu)
        => new(maxItems, maxSize, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, _removals, evictionPolicy: policy);

    [Fact]
    public void Every_Set_is_stored_and_readable_at_once_and_MaxItems_holds_after_each()
    {
        using var engine = Create(maxItems: 100);
        for (int i = 0; i < 100; i++)
        {
            engine.Set($"hot{i}", "v", Timeout.InfiniteTimeSpan, 1);
        }

        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                Assert.True(engine.TryGet($"hot{i}", out _));
            }
        }

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(engine.Set($"once{i}", "v", Timeout.InfiniteTimeSpan, 1));
            Assert.True(engine.TryGet($"once{i}", out _)); // stored, though it is seen far less than what it competes with
            Assert.True(engine.Count <= 100);
        }

        engine.CheckInvariants();
    }

    [Theory]
    [InlineData(200, null, 1)]
    [InlineData(null, 2_000L, 10)] // a byte limit alone: the regions are sized in bytes
    [InlineData(300, 2_000L, 10)] // both, the bytes the tighter
    public void Entries_read_again_and_again_survive_a_scan_that_flushes_an_LRU(int? maxItems, long? maxSize, long entrySize)
    {
        foreach (AtomicLruEvictionPolicy policy in new[] { AtomicLruEvictionPolicy.Lru, AtomicLruEvictionPolicy.TinyLfu })
        {
            using var engine = Create(maxItems, maxSize, policy);
            for (int i = 0; i < 100; i++)
            {
                engine.Set($"hot{i}", "v", Timeout.InfiniteTimeSpan, entrySize);
            }

            for (int round = 0; round < 3; round++)
            {
                for (int i = 0; i < 100; i++)
                {
                    engine.TryGet($"hot{i}", out _);
                }
            }

            for (int i = 0; i < 5000; i++)
            {
                engine.Set($"scan{i}", "v", Timeout.InfiniteTimeSpan, entrySize); // each read once, never again
            }

            int survivors = Enumerable.Range(0, 100).Count(i => engine.TryGet($"hot{i}", out _));
            if (policy == AtomicLruEvictionPolicy.Lru)
            {
                Assert.Equal(0, survivors);
            }
            else
            {
                Assert.True(survivors >= 90, $"{survivors} of 100 hot entries survived the scan");
            }

            engine.CheckInvariants();
        }
    }

    [Fact]
    public void A_loop_larger_than_the_cache_hits_under_TinyLfu_where_LRU_never_does()
    {
        double LoopHitRatio(AtomicLruEvictionPolicy policy)
        {
            using var engine = Create(maxItems: 500, policy: policy);
            int hits = 0, reads = 0;
            for (int pass = 0; pass < 20; pass++)
            {
                for (int i = 0; i < 1000; i++)
                {
                    string key = $"k{i}";
                    reads++;
                    if (engine.TryGet(key, out _))
                    {
                        hits++;
                    }
                    else
                    {
                        engine.Set(key, "v", Timeout.InfiniteTimeSpan, 1);
                    }
                }
            }

            engine.CheckInvariants();
            return (double)hits / reads;
        }

        Assert.Equal(0, LoopHitRatio(AtomicLruEvictionPolicy.Lru));
        Assert.InRange(LoopHitRatio(AtomicLruEvictionPolicy.TinyLfu), 0.35, 0.5);
    }

    [Fact]
    public void A_candidate_seen_once_more_than_the_victim_does_not_displace_it_and_one_seen_twice_more_does()
    {
        using var engine = Create(maxItems: 10); // a window of one entry (1 %, at least one)
        for (int i = 0; i < 10; i++)
        {
            engine.Set($"main{i}", "v", Timeout.InfiniteTimeSpan, 1); // each seen once; main0 is main's victim
        }

        engine.Set("once-more", "v", Timeout.InfiniteTimeSpan, 1); // main9 leaves the window: a tie, so it goes
        Assert.True(engine.TryGet("once-more", out _)); // seen twice: once more than the victim
        engine.Set("next", "v", Timeout.InfiniteTimeSpan, 1); // once-more leaves the window, and loses
        Assert.False(engine.TryGet("once-more", out _));
        Assert.True(engine.TryGet("main0", out _));

        Assert.True(engine.TryGet("next", out _));
        Assert.True(engine.TryGet("next", out _)); // seen three times: twice more than the victim (main1, seen once)
        engine.Set("last", "v", Timeout.InfiniteTimeSpan, 1);
        Assert.True(engine.ContainsKey("next")); // not a read: next stays in probation
        Assert.False(engine.ContainsKey("main1"));

        // The next write's candidate is the entry it pushes out of the window (last, a tie with main2: it goes), not next
        // again, which would beat main2: a write's candidates end with it.
        engine.Set("after-last", "v", Timeout.InfiniteTimeSpan, 1);
        Assert.False(engine.ContainsKey("last"));
        Assert.True(engine.ContainsKey("main2"));
        Assert.True(engine.ContainsKey("next"));
        engine.CheckInvariants();
    }

    [Fact]
    public void A_write_refused_for_want_of_room_keeps_no_entry_it_pushed_out_of_the_window_reachable()
    {
        // No listener: the recording one keeps every removed value.
        using var engine = new LruEngine<string, string>(3, null, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, evictionPolicy: AtomicLruEvictionPolicy.TinyLfu);
        engine.Set("p1", "v", Timeout.InfiniteTimeSpan, 1, pinned: true);
        engine.Set("p2", "v", Timeout.InfiniteTimeSpan, 1, pinned: true);
        WeakReference value = SetPinned(engine, "p3"); // in the window
        Assert.False(engine.Set("x", "v", Timeout.InfiniteTimeSpan, 1)); // refused: pushed p3 to probation first

        Assert.True(engine.Remove("p3"));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(value.IsAlive, "the removed entry's value is still reachable from the refused write's candidates");
        engine.CheckInvariants();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SetPinned(LruEngine<string, string> engine, string key)
    {
        // Charged more than an evicted node may stay in the log for (decision 0004), so only a candidate list could keep it.
        string value = new('v', 100);
        engine.Set(key, value, Timeout.InfiniteTimeSpan, 100_000, pinned: true);
        return new WeakReference(value);
    }

    [Theory]
    [InlineData(100, null, 1L)] // a window of one entry; protected's share is 80 % of the other 99: 79 entries
    [InlineData(null, 1_001L, 10L)] // a window of one byte; protected's share is 80 % of the other 1,000 bytes: 80 entries
    public void Reads_promote_past_protecteds_share_and_each_write_then_demotes_one_entry(int? maxItems, long? maxSize, long entrySize)
    {
        using var engine = Create(maxItems, maxSize);
        for (int i = 0; i < 100; i++)
        {
            engine.Set($"k{i}", "v", Timeout.InfiniteTimeSpan, entrySize); // k99 in the window, the rest in probation
        }

        for (int i = 0; i < 99; i++)
        {
            Assert.True(engine.TryGet($"k{i}", out _)); // a full read stripe is replayed by its reader: promotions, no write
        }

        long share = maxItems is null ? engine.TinyLfu!.ProtectedBytes.Share / entrySize : engine.TinyLfu!.Protected.Share;
        Assert.Equal(maxItems is null ? 80 : 79, share);
        int promoted = engine.TinyLfu.Protected.Count;
        Assert.True(promoted > share, $"reads promoted {promoted} entries, but protected stopped at its share {share}");

        engine.Set("new0", "v", Timeout.InfiniteTimeSpan, entrySize); // replays the reads left (all 99 promoted), then demotes one
        long expected = 98;
        Assert.Equal(expected, engine.TinyLfu.Protected.Count);
        for (int i = 1; i < 30; i++)
        {
            engine.Set($"new{i}", "v", Timeout.InfiniteTimeSpan, entrySize);
            expected = Math.Max(share, expected - 1); // at its share, writes leave it alone
            Assert.Equal(expected, engine.TinyLfu.Protected.Count);
            Assert.True(engine.Count <= 100);
        }

        engine.CheckInvariants();
    }

    [Fact]
    public void Reads_counted_in_an_entry_decide_admission_and_are_remembered_when_it_leaves()
    {
        using var engine = Create(maxItems: 10); // a window of one entry
        for (int i = 0; i < 10; i++)
        {
            engine.Set($"main{i}", "v", Timeout.InfiniteTimeSpan, 1); // each seen once
        }

        engine.Set("read", "v", Timeout.InfiniteTimeSpan, 1);
        for (int i = 0; i < 6; i++)
        {
            Assert.True(engine.TryGet("read", out _)); // six reads: all held in the node, none in the sketch yet
        }

        Assert.True(engine.Remove("read")); // its reads go to the sketch as it leaves
        engine.Set("read", "v", Timeout.InfiniteTimeSpan, 1);
        engine.Set("next", "v", Timeout.InfiniteTimeSpan, 1); // "read" leaves the window: seen 8 times against a victim seen once
        Assert.True(engine.TryGet("read", out _));

        engine.Set("twice", "v", Timeout.InfiniteTimeSpan, 1);
        Assert.True(engine.TryGet("twice", out _));
        Assert.True(engine.TryGet("twice", out _)); // seen three times, two of them held in its node
        engine.Set("last", "v", Timeout.InfiniteTimeSpan, 1); // beats a victim seen once by two
        Assert.True(engine.TryGet("twice", out _));
        engine.CheckInvariants();
    }

    [Fact]
    public void An_entry_counts_at_most_seven_reads_a_stay()
    {
        using var engine = Create(maxItems: 10); // a window of one entry
        for (int i = 0; i < 11; i++)
        {
            engine.Set("written", $"v{i}", Timeout.InfiniteTimeSpan, 1); // seen 11 times: every write counts
        }

        for (int i = 0; i < 9; i++)
        {
            engine.Set($"main{i}", "v", Timeout.InfiniteTimeSpan, 1); // "written" is main's oldest, its victim from now on
        }

        engine.Set("read", "v", Timeout.InfiniteTimeSpan, 1);
        for (int i = 0; i < 20; i++)
        {
            Assert.True(engine.TryGet("read", out _)); // twenty reads in one stay: seven are counted
        }

        Assert.True(engine.Remove("read")); // its seven reads go to the sketch as it leaves
        engine.Set("read", "v", Timeout.InfiniteTimeSpan, 1); // seen 1 + 7 + 1 = 9 times
        engine.Set("next", "v", Timeout.InfiniteTimeSpan, 1); // "read" leaves the window: 9 is not more than 11 + 1
        Assert.False(engine.TryGet("read", out _));
        Assert.True(engine.TryGet("written", out _));
        engine.CheckInvariants();
    }

    [Fact]
    public void Keys_crafted_to_share_a_hot_keys_table_hash_do_not_share_its_frequency()
    {
        // All share one fast (non-randomized) string hash; the table keeps it, as they are far too few for a flood.
        var keys = HashFloodTests.CollidingKeys(7, seed: 11);
        using var engine = Create(maxItems: 10);
        string hot = keys[0];
        engine.Set(hot, "v", Timeout.InfiniteTimeSpan, 1);
        for (int i = 0; i < 20; i++)
        {
            Assert.True(engine.TryGet(hot, out _));
        }

        for (int i = 0; i < 9; i++)
        {
            engine.Set($"main{i}", "v", Timeout.InfiniteTimeSpan, 1); // each seen once
            if (i == 0)
            {
                Assert.True(engine.TryGet(hot, out _)); // hot is in probation now: this read promotes it to protected
            }
        }

        foreach (string crafted in keys.Skip(1))
        {
            engine.Set(crafted, "v", Timeout.InfiniteTimeSpan, 1); // seen once: it must lose to a main entry seen once
        }

        engine.Set("last", "v", Timeout.InfiniteTimeSpan, 1); // the last crafted key leaves the window too
        Assert.Equal(0, keys.Skip(1).Count(k => engine.TryGet(k, out _)));
        Assert.True(engine.TryGet(hot, out _));
        engine.CheckInvariants();
    }

    [Fact]
    public void A_key_the_window_gave_up_that_comes_back_grows_the_window_and_one_main_gave_up_shrinks_it()
    {
        using var engine = Create(maxItems: 1000); // a window of one entry; each side keeps ten ghosts (1 %)
        for (int i = 0; i < 1000; i++)
        {
            engine.Set($"main{i}", "v", Timeout.InfiniteTimeSpan, 1);
            engine.Set($"main{i}", "v", Timeout.InfiniteTimeSpan, 1); // each seen twice
        }

        double start = engine.TinyLfu!.WindowShare;
        engine.Set("once", "v", Timeout.InfiniteTimeSpan, 1);
        engine.Set("next", "v", Timeout.InfiniteTimeSpan, 1); // "once" leaves the window, seen once against twice: given up
        Assert.False(engine.TryGet("once", out _));
        Assert.Equal(start, engine.TinyLfu.WindowShare);
        engine.Set("once", "v", Timeout.InfiniteTimeSpan, 1); // back: a larger window would have kept it
        double grown = engine.TinyLfu.WindowShare;
        Assert.True(grown > start, $"the window's share stayed at {grown}");
        Assert.Equal(2, engine.TinyLfu.Window.MaxItems); // one entry more

        engine.Set("hot", "v", Timeout.InfiniteTimeSpan, 1); // the window holds two now: main0 makes room, no candidate
        for (int i = 0; i < 5; i++)
        {
            Assert.True(engine.TryGet("hot", out _));
        }

        engine.Set("push", "v", Timeout.InfiniteTimeSpan, 1);
        engine.Set("push2", "v", Timeout.InfiniteTimeSpan, 1); // "hot" leaves the window, seen six times: main gives up main1
        Assert.True(engine.TryGet("hot", out _));
        Assert.False(engine.TryGet("main1", out _));
        engine.Set("main1", "v", Timeout.InfiniteTimeSpan, 1); // back: a larger main would have kept it
        Assert.True(engine.TinyLfu.WindowShare < grown, $"the window's share stayed at {engine.TinyLfu.WindowShare}");
        engine.CheckInvariants();
    }

    [Fact]
    public void The_window_is_resized_as_ghosts_come_back_and_the_limits_hold_throughout()
    {
        using var engine = Create(maxItems: 100);
        double initial = engine.TinyLfu!.WindowShare;
        var shares = new System.Collections.Generic.HashSet<double> { initial };
        var random = new Random(7);
        for (int request = 0; request < 20_000; request++)
        {
            // A phase of loops over 150 keys, then a phase of recency-heavy requests over a drifting set of keys.
            string key = request < 10_000 ? $"loop{request % 150}" : $"drift{(request / 20) + random.Next(30)}";
            if (!engine.TryGet(key, out _))
            {
                engine.Set(key, "v", Timeout.InfiniteTimeSpan, 1);
            }

            Assert.True(engine.Count <= 100);
            shares.Add(engine.TinyLfu.WindowShare);
            if (request % 500 == 0)
            {
                engine.CheckInvariants(); // includes: the window within its share of the limit
            }
        }

        Assert.True(shares.Count > 3, $"the window took {shares.Count} sizes");
        engine.CheckInvariants();
    }

    [Fact]
    public void The_byte_limit_holds_after_every_write_with_entries_of_many_sizes()
    {
        using var engine = Create(maxItems: null, maxSize: 100_000);
        var random = new Random(5);
        for (int i = 0; i < 20_000; i++)
        {
            string key = $"k{random.Next(3000)}";
            if (random.Next(3) == 0)
            {
                engine.TryGet(key, out _);
            }
            else
            {
                engine.Set(key, "v", Timeout.InfiniteTimeSpan, random.Next(1, 2000));
                Assert.True(engine.TryGet(key, out _));
            }

            Assert.InRange(engine.Size, 0, 100_000);
        }

        engine.CheckInvariants();
    }

    [Theory]
    [InlineData(null, null, 1024, 1024)] // no limit: nothing is ever evicted; the first sketch stays
    [InlineData(8000, null, 8000, 8000)] // sized for MaxItems up front
    [InlineData(4_000_000, null, 1 << 20, 1 << 20)] // a large MaxItems: 8 MB up front; sized for it once half full
    [InlineData(null, 640_000L, 10_000, 10_000)] // bytes only: guessed at 64 bytes an entry; 3,200 of 100 bytes fill half: guess kept (within 2x)
    [InlineData(null, 100_000_000L, 1_562_500, 1_562_500)] // bytes only, never half full: the guess stays
    [InlineData(null, 1_000_000L, 15_625, 15_625)] // 5,000 entries of 100 bytes fill half; 10,000 expected: within 2x, kept
    public void The_sketch_is_sized_for_the_limit_and_resized_only_when_half_full_shows_the_guess_wrong(int? maxItems, long? maxSize, int first, int after)
    {
        using var engine = Create(maxItems, maxSize);
        Assert.Equal(Math.Min(first, 1 << 20), engine.TinyLfu!.SketchCapacity);

        for (int i = 0; i < 5000; i++)
        {
            engine.Set($"k{i}", "v", Timeout.InfiniteTimeSpan, 100);
        }

        Assert.Equal(Math.Min(after, 1 << 20), engine.TinyLfu.SketchCapacity);
        engine.CheckInvariants();
    }

    [Fact]
    public void A_sketch_guessed_from_bytes_is_resized_when_entries_turn_out_larger()
    {
        using var engine = Create(maxItems: null, maxSize: 10_000_000);
        Assert.Equal(156_250, engine.TinyLfu!.SketchCapacity); // 10 MB at 64 bytes an entry

        for (int i = 0; i < 1000; i++)
        {
            engine.Set($"k{i}", "v", Timeout.InfiniteTimeSpan, 10_000); // 10 KB entries: 500 fill half
        }

        Assert.Equal(1000, engine.TinyLfu.SketchCapacity); // twice the 500 held at half the bytes
        engine.CheckInvariants();
    }

    [Fact]
    public void Pinned_entries_are_never_evicted()
    {
        using var engine = Create(maxItems: 10);
        for (int i = 0; i < 5; i++)
        {
            engine.Set($"pinned{i}", "v", Timeout.InfiniteTimeSpan, 1, pinned: true);
        }

        for (int i = 0; i < 1000; i++)
        {
            engine.Set($"k{i}", "v", Timeout.InfiniteTimeSpan, 1);
        }

        Assert.All(Enumerable.Range(0, 5), i => Assert.True(engine.TryGet($"pinned{i}", out _)));
        Assert.Equal(10, engine.Count);
        engine.CheckInvariants();
    }

    [Fact]
    public void Overwrites_removals_expiry_clear_and_a_smaller_limit_keep_the_regions_consistent()
    {
        using var engine = Create(maxItems: 50);
        var random = new Random(11);
        for (int i = 0; i < 5000; i++)
        {
            string key = $"k{random.Next(120)}";
            switch (random.Next(6))
            {
                case 0:
                    engine.Remove(key);
                    break;
                case 1:
                    engine.Set(key, "v", TimeSpan.FromSeconds(random.Next(1, 5)), random.Next(1, 4));
                    break;
                case 2:
                    _time.Advance(TimeSpan.FromSeconds(1));
                    break;
                default:
                    if (!engine.TryGet(key, out _))
                    {
                        engine.Set(key, "v", Timeout.InfiniteTimeSpan, random.Next(1, 4));
                    }

                    break;
            }

            if (i % 1000 == 999)
            {
                engine.CheckInvariants();
            }
        }

        engine.Reconfigure(10, null, null, TimeSpan.FromSeconds(1));
        Assert.True(engine.Count <= 10);
        engine.CheckInvariants();
        engine.Clear();
        Assert.Equal(0, engine.Count);
        engine.CheckInvariants();
    }

    [Fact]
    public async Task Many_threads_reading_and_writing_leave_consistent_regions_and_the_limits_held()
    {
        using var engine = Create(maxItems: 300, maxSize: 20_000);
        using var stop = new CancellationTokenSource();
        int violations = 0;
        Task[] workers = [.. Enumerable.Range(0, 4).Select(t => Task.Factory.StartNew(() =>
        {
            var random = new Random(t);
            while (!stop.IsCancellationRequested)
            {
                string key = $"k{(int)(Math.Pow(random.NextDouble(), 3) * 2000)}";
                if (random.Next(4) != 0)
                {
                    if (engine.TryGet(key, out string? value) && value != "v:" + key)
                    {
                        Interlocked.Increment(ref violations);
                    }
                }
                else
                {
                    engine.Set(key, "v:" + key, Timeout.InfiniteTimeSpan, random.Next(1, 100));
                }

                if (engine.Count > 300 || engine.Size > 20_000)
                {
                    Interlocked.Increment(ref violations);
                }
            }
        }, TaskCreationOptions.LongRunning))];

        for (int round = 0; round < 20; round++)
        {
            await Task.Delay(50); // lets the workers run; nothing here waits for an expiry
            engine.CheckInvariants();
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        engine.CheckInvariants();
        Assert.Equal(0, violations);
    }
}
