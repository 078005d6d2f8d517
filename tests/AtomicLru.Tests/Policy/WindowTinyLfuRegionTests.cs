using System;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using AtomicLru.Policy;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// Window TinyLFU's bookkeeping at its edges: how the regions and the sketch are sized for the limits and resized when
/// the limits change, what an overwrite and a pinned or kept entry do to a comparison, and how reads counted in a node
/// age. Written for the mutants of <c>WindowTinyLfu.cs</c> that the behavioural tests let live (docs/testing.md).
/// </summary>
public sealed class WindowTinyLfuRegionTests
{
    private readonly FakeTimeProvider _time = new();

    private LruEngine<string, string> Create(int? maxItems, long? maxSize = null)
        => new(maxItems, maxSize, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, evictionPolicy: AtomicLruEvictionPolicy.TinyLfu);

    [Theory]
    [InlineData(10_000, 5_000_000L, 10L, 5_000L, 7_992L, 3_996_000L)] // 0.1 % of each limit; protected 80 % of the rest
    [InlineData(10_000, null, 10L, long.MaxValue, 7_992L, long.MaxValue)]
    [InlineData(null, 5_000_000L, long.MaxValue, 5_000L, long.MaxValue, 3_996_000L)]
    [InlineData(100, 100L, 1L, 1L, 79L, 79L)] // at least one entry and one byte
    [InlineData(null, null, long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue)]
    public void The_window_and_protected_get_their_shares_of_each_limit_in_its_own_units(
        int? maxItems, long? maxSize, long windowItems, long windowBytes, long protectedItems, long protectedBytes)
    {
        using var engine = Create(maxItems, maxSize);
        WindowTinyLfu<string, string> lfu = engine.TinyLfu!;
        Assert.Equal((0, windowItems, windowBytes), lfu.Window);
        Assert.Equal(protectedItems, lfu.Protected.Share);
        Assert.Equal(protectedBytes, lfu.ProtectedBytes.Share);
    }

    [Theory]
    [InlineData(100_000, null, 10_000, null)] // a window of 100 entries, then of 10
    [InlineData(null, 10_000_000L, null, 1_000_000L)] // 10,000 bytes (100 entries of 100), then 1,000
    public void Smaller_limits_hand_the_windows_oldest_entries_to_probation_and_evict_none(int? maxItems, long? maxSize, int? smallerItems, long? smallerSize)
    {
        using var engine = Create(maxItems, maxSize);
        Fill(engine, "k", 50, size: 100);
        Assert.Equal(50, engine.TinyLfu!.Window.Count);

        engine.Reconfigure(smallerItems, smallerSize, null, TimeSpan.FromSeconds(1));

        Assert.Equal(50, engine.Count);
        Assert.Equal(10, engine.TinyLfu.Window.Count);
        Assert.All(Enumerable.Range(0, 40), k => Assert.InRange(Stamp(engine, "k" + k), WindowTinyLfu<string, string>.ProbationBase, WindowTinyLfu<string, string>.ProtectedBase - 1));
        Assert.All(Enumerable.Range(40, 10), k => Assert.True(Stamp(engine, "k" + k) < WindowTinyLfu<string, string>.ProbationBase, $"k{k} left the window"));
        engine.CheckInvariants();
    }

    [Fact]
    public void A_window_whose_share_is_below_one_entry_keeps_its_newest_and_is_evicted_last()
    {
        using var engine = Create(maxItems: null, maxSize: 10_000_000);
        Fill(engine, "k", 50, size: 100);

        engine.Reconfigure(null, 500, null, TimeSpan.FromSeconds(1)); // a window of 1 byte: it keeps one entry all the same

        Assert.Equal(1, engine.TinyLfu!.Window.Count);
        Assert.Equal(["k49", "k48", "k47", "k46", "k45"], engine.SnapshotKeys()); // main's oldest went first
        engine.CheckInvariants();
    }

    [Fact]
    public void With_no_candidate_main_probation_is_evicted_first_then_protected_then_the_window()
    {
        using var engine = Create(maxItems: 2_000); // a window of two entries
        Fill(engine, "k", 20); // k18 and k19 in the window, k0 to k17 in probation
        for (int k = 0; k < 5; k++)
        {
            Assert.True(engine.TryGet("k" + k, out _));
        }

        Assert.Equal(20, engine.SnapshotKeys().Count); // replays the reads: k0 to k4 move to protected

        // The window's share becomes one entry: k18 goes to probation as its newest; then probation goes, then protected's oldest.
        engine.Reconfigure(3, null, null, TimeSpan.FromSeconds(1));
        Assert.Equal(["k19", "k4", "k3"], engine.SnapshotKeys());
        engine.Reconfigure(1, null, null, TimeSpan.FromSeconds(1));
        Assert.Equal(["k19"], engine.SnapshotKeys());
        engine.CheckInvariants();
    }

    [Fact]
    public void Far_smaller_limits_size_the_sketch_afresh_and_limits_at_least_half_as_large_keep_it()
    {
        using var engine = Create(maxItems: 100_000);
        Assert.Equal(100_000, engine.TinyLfu!.SketchCapacity);

        engine.Reconfigure(50_000, null, null, TimeSpan.FromSeconds(1)); // within twice: kept
        Assert.Equal(100_000, engine.TinyLfu.SketchCapacity);

        engine.Reconfigure(49_999, null, null, TimeSpan.FromSeconds(1));
        Assert.Equal(49_999, engine.TinyLfu.SketchCapacity);
    }

    [Fact]
    public void New_limits_that_the_cache_already_half_fills_size_the_sketch_at_once()
    {
        using var engine = Create(maxItems: null, maxSize: 64_000_000); // guessed at 1,000,000 entries of 64 bytes
        Assert.Equal(1_000_000, engine.TinyLfu!.SketchCapacity);
        Fill(engine, "k", 1_000, size: 3_200); // 3.2 MB: not half of 64 MB

        engine.Reconfigure(null, 6_400_000, null, TimeSpan.FromSeconds(1)); // 3.2 MB is half: 1,000 entries, so 2,000 when full

        Assert.Equal(2_000, engine.TinyLfu.SketchCapacity);
        Assert.Equal(1_000, engine.Count);
    }

    [Fact]
    public void Half_full_counts_the_bytes_of_every_region()
    {
        using var engine = Create(maxItems: null, maxSize: 6_400_000); // guessed at 100,000 entries; a window of 6,400 bytes
        Fill(engine, "k", 500, size: 3_200);
        for (int k = 0; k < 200; k++)
        {
            Assert.True(engine.TryGet("k" + k, out _));
        }

        for (int k = 500; k < 999; k++)
        {
            Assert.True(engine.Set("k" + k, "v", Timeout.InfiniteTimeSpan, 3_200)); // the first replays the reads: k0 to k199 to protected
        }

        Assert.Equal(200 * 3_200, engine.TinyLfu!.ProtectedBytes.Bytes);
        Assert.Equal(100_000, engine.TinyLfu.SketchCapacity); // 999 entries: 3,196,800 bytes, short of half

        Assert.True(engine.Set("k999", "v", Timeout.InfiniteTimeSpan, 3_200)); // 3,200,000 bytes: half
        Assert.Equal(2_000, engine.TinyLfu.SketchCapacity);
        engine.CheckInvariants();
    }

    [Theory]
    [InlineData(128, 10_000)] // 2,500 entries fill half: 5,000 when full, exactly half the guess: kept
    [InlineData(129, 4_962)] // 2,481 fill half: 4,962 when full, less than half the guess: sized for them
    public void A_guess_from_bytes_is_kept_unless_off_by_more_than_twice(long entrySize, int capacity)
    {
        using var engine = Create(maxItems: null, maxSize: 640_000); // guessed at 10,000 entries
        Assert.Equal(10_000, engine.TinyLfu!.SketchCapacity);
        Fill(engine, "k", 2_500, entrySize);
        Assert.Equal(capacity, engine.TinyLfu.SketchCapacity);
    }

    [Fact]
    public void The_sketch_is_sized_once_per_limits_even_when_entries_later_shrink()
    {
        // Sizing again would start the counts afresh while evictions rely on them; new limits size it again (above).
        using var engine = Create(maxItems: null, maxSize: 640_000);
        Fill(engine, "big", 2_481, 129);
        Assert.Equal(4_962, engine.TinyLfu!.SketchCapacity);

        Fill(engine, "small", 30_000, 10); // ends holding far more than twice 4,962 entries
        Assert.True(engine.Count > 2 * 4_962, $"{engine.Count} entries held");
        Assert.Equal(4_962, engine.TinyLfu.SketchCapacity);
    }

    [Theory]
    [InlineData(2_200_001, 2_200_001)] // more than twice the 2^20 sized up front: sized for the limit once half full
    [InlineData(2_097_152, 1 << 20)] // exactly twice: kept
    public void A_large_entry_limit_sizes_the_sketch_once_exactly_half_full(int maxItems, int sized)
    {
        using var engine = new LruEngine<int, int>(maxItems, null, _time, TimeSpan.FromSeconds(1), evictionPolicy: AtomicLruEvictionPolicy.TinyLfu);
        Assert.Equal(1 << 20, engine.TinyLfu!.SketchCapacity);
        int half = maxItems / 2;
        for (int k = 0; k < half - 1; k++)
        {
            engine.Set(k, k, Timeout.InfiniteTimeSpan, 1);
        }

        Assert.Equal(1 << 20, engine.TinyLfu.SketchCapacity);
        engine.Set(half - 1, 0, Timeout.InfiniteTimeSpan, 1);
        Assert.Equal(sized, engine.TinyLfu.SketchCapacity);
    }

    [Fact]
    public void An_overwrite_that_replaces_the_node_keeps_its_region_counts_the_write_and_carries_the_reads()
    {
        using var engine = Create(maxItems: 1_000); // nothing evicted; a window of one entry
        Fill(engine, "k", 20); // k19 in the window, the rest in probation
        for (int read = 0; read < 3; read++)
        {
            Assert.True(engine.TryGet("k0", out _));
            Assert.True(engine.TryGet("k1", out _));
        }

        engine.SnapshotKeys(); // replays the reads: k0 and k1 to protected, three reads held in each
        WindowTinyLfu<string, string> lfu = engine.TinyLfu!;
        Assert.Equal(4, lfu.Frequency(engine.Table.Find("k0", out _)!));

        foreach (string key in new[] { "k0", "k5", "k19" }) // protected, probation, window
        {
            long stamp = Stamp(engine, key);
            int frequency = lfu.Frequency(engine.Table.Find(key, out _)!);
            Assert.True(engine.Set(key, "timed", TimeSpan.FromMinutes(1), 2)); // an expiry where there was none: a new node
            Node<string, string> replaced = engine.Table.Find(key, out _)!;
            Assert.Equal(Region(stamp), Region(replaced.RecencyStamp));
            Assert.Equal(frequency + 1, lfu.Frequency(replaced)); // the write counted; the reads moved to the sketch, not lost
            Assert.Equal(20, engine.Count);
            engine.CheckInvariants(); // each region's bytes add up
        }

        Assert.Equal(20 + 3, engine.Size); // three entries of one byte now of two
    }

    [Fact]
    public void A_pinned_entry_pushed_out_of_the_window_never_competes_and_stays()
    {
        using var engine = Create(maxItems: 10); // a window of one entry
        Fill(engine, "k", 10);
        Assert.True(engine.Set("pinned", "v", Timeout.InfiniteTimeSpan, 1, pinned: true));

        Assert.True(engine.Set("x", "v", Timeout.InfiniteTimeSpan, 1)); // pushes "pinned" out as a candidate: main's victim goes

        Assert.True(engine.ContainsKey("pinned"));
        Assert.True(engine.ContainsKey("x"));
        Assert.False(engine.ContainsKey("k0"));
        Assert.Equal(10, engine.Count);
        engine.CheckInvariants();
    }

    [Fact]
    public void An_overwrite_that_grows_pushes_its_own_entry_out_of_the_window_and_main_makes_the_room()
    {
        using var engine = Create(maxItems: null, maxSize: 100); // a window of one byte: one entry
        Fill(engine, "k", 10, size: 10);

        Assert.True(engine.Set("k9", "bigger", Timeout.InfiniteTimeSpan, 20)); // k9 becomes a candidate, but it is the entry written

        Assert.True(engine.TryGet("k9", out string? value));
        Assert.Equal("bigger", value);
        Assert.False(engine.ContainsKey("k0"));
        Assert.Equal(100, engine.Size);
        engine.CheckInvariants();
    }

    [Fact]
    public void Reads_held_in_a_node_age_with_the_sketchs_halvings()
    {
        using var engine = Create(maxItems: 16); // the smallest sketch: it halves every 160 events
        Fill(engine, "k", 2);
        WindowTinyLfu<string, string> lfu = engine.TinyLfu!;
        AgeUntil(1); // the reads below then carry a non-zero epoch

        for (int read = 0; read < 4; read++)
        {
            Assert.True(engine.TryGet("k0", out _));
        }

        engine.SnapshotKeys(); // replays the four reads into k0's node
        Node<string, string> node = engine.Table.Find("k0", out _)!;
        Assert.Equal(4, lfu.Frequency(node)); // its one write aged to nothing in the first halving
        AgeUntil(2);
        Assert.Equal(2, lfu.Frequency(node));
        AgeUntil(3);
        Assert.Equal(1, lfu.Frequency(node));
        AgeUntil(4);
        Assert.Equal(0, lfu.Frequency(node));

        void AgeUntil(int halvings)
        {
            while (lfu.SketchHalvings < halvings)
            {
                engine.TryGet("k1", out _); // each read counts an event once replayed: every 17th read replays the stripe
            }
        }
    }

    private static void Fill(LruEngine<string, string> engine, string prefix, int count, long size = 1)
    {
        for (int k = 0; k < count; k++)
        {
            Assert.True(engine.Set(prefix + k, "v", Timeout.InfiniteTimeSpan, size));
        }
    }

    private static long Stamp(LruEngine<string, string> engine, string key) => engine.Table.Find(key, out _)!.RecencyStamp;

    private static int Region(long stamp)
        => stamp >= WindowTinyLfu<string, string>.ProtectedBase ? 2 : stamp >= WindowTinyLfu<string, string>.ProbationBase ? 1 : 0;
}
