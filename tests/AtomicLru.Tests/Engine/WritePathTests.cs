using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests.Engine;

/// <summary>
/// The engine's write paths at their edges, one test per branch that the faces' tests reach only through the
/// Microsoft faces (sliding expiry, pinned entries, <c>RemoveIfSame</c>) or not at all: in-place and new-node
/// overwrites that find no room, an old value whose time ran out to the tick, sliding windows and their caps, and
/// the pinned-entry accounting. Written against the mutants that survived mutation testing (docs/testing.md).
/// </summary>
public sealed class WritePathTests
{
    private static readonly TimeSpan Forever = Timeout.InfiniteTimeSpan;

    /// <summary>One timestamp unit of <see cref="FakeTimeProvider"/>: an entry with this TTL is due one unit later.</summary>
    private static readonly TimeSpan OneUnit = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _time = new();

    private sealed class Recorder<TValue> : IRemovalListener<string, TValue>
    {
        public List<(string Key, TValue Value, RemovalReason Reason)> Removals { get; } = [];

        public void OnRemoved(string key, TValue value, long size, RemovalReason reason) => Removals.Add((key, value, reason));
    }

    private LruEngine<string, TValue> Engine<TValue>(Recorder<TValue> recorder, int? maxItems = null, long? maxSize = null, long? maxItemSize = null)
        => new(maxItems, maxSize, _time, TimeSpan.FromDays(1), StringComparer.Ordinal, recorder, maxItemSize);

    [Fact]
    public void An_oversized_overwrite_reports_the_old_value_expired_if_its_time_ran_out_to_the_tick_else_replaced()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder, maxSize: 1000, maxItemSize: 100);
        engine.Set("due", "old", OneUnit, 10);
        engine.Set("live", "old", Forever, 10);
        _time.Advance(OneUnit); // "due" is due now, and the wheel has not reached it

        Assert.False(engine.Set("due", "big", Forever, 101));
        Assert.False(engine.Set("live", "big", Forever, 101));

        Assert.Equal(
            [("due", "old", RemovalReason.Expired), ("due", "big", RemovalReason.Oversized),
             ("live", "old", RemovalReason.Replaced), ("live", "big", RemovalReason.Oversized)],
            recorder.Removals);
        Assert.Equal(0, engine.Count);
        engine.CheckInvariants();
    }

    [Fact]
    public void A_sliding_entry_expires_one_window_after_it_was_written_or_last_read()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder);
        engine.Set("unread", "v", Forever, 0, sliding: TimeSpan.FromSeconds(2));
        engine.Set("read", "v", Forever, 0, sliding: TimeSpan.FromSeconds(2));

        _time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(engine.TryGet("read", out _)); // slides "read" to 3.5 s
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(engine.TryGet("unread", out _));
        Assert.True(engine.TryGet("read", out _));
        engine.CheckInvariants();
    }

    [Fact]
    public void A_sliding_entry_never_outlives_its_absolute_cap_however_often_it_is_read()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder);
        engine.Set("capped", "v", TimeSpan.FromSeconds(3), 0, sliding: TimeSpan.FromSeconds(2));
        engine.Set("short", "v", TimeSpan.FromSeconds(10), 0, sliding: TimeSpan.FromSeconds(2));

        for (int i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(0.5));
            Assert.True(engine.TryGet("capped", out _));
        }

        Assert.False(engine.TryGet("short", out _)); // 2.5 s unread: the window, not the 10 s cap, decides
        _time.Advance(TimeSpan.FromSeconds(0.6));    // 3.1 s: past the cap, though read 0.6 s ago
        Assert.False(engine.TryGet("capped", out _));
    }

    [Fact]
    public void A_sliding_window_longer_than_time_itself_saturates_instead_of_wrapping_into_the_past()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder);
        engine.Set("k", "v", Forever, 0, sliding: TimeSpan.MaxValue);

        _time.Advance(TimeSpan.FromDays(400));

        Assert.True(engine.TryGet("k", out string? value));
        Assert.Equal("v", value);
        engine.CheckInvariants();
    }

    [Fact]
    public void An_in_place_overwrite_of_a_sliding_entry_takes_the_new_window_and_cap()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder);
        engine.Set("window", "v1", Forever, 0, sliding: TimeSpan.FromSeconds(10));
        engine.Set("window", "v2", Forever, 0, sliding: TimeSpan.FromSeconds(2));
        engine.Set("cap", "v1", TimeSpan.FromSeconds(100), 0, sliding: TimeSpan.FromSeconds(10));
        engine.Set("cap", "v2", TimeSpan.FromSeconds(3), 0, sliding: TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(engine.TryGet("window", out _)); // slides by the new 2 s window: due at 3 s
        Assert.True(engine.TryGet("cap", out _));    // slides to the new cap: due at 3 s
        _time.Advance(TimeSpan.FromSeconds(2.5));

        Assert.False(engine.TryGet("window", out _));
        Assert.False(engine.TryGet("cap", out _));
        Assert.Equal([("window", "v1", RemovalReason.Replaced), ("cap", "v1", RemovalReason.Replaced)], recorder.Removals[..2]);
    }

    [Fact]
    public void An_in_place_overwrite_that_pinned_entries_leave_no_room_for_is_refused_and_the_old_value_removed()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder, maxSize: 100);
        engine.Set("pinned", "p", Forever, 60, pinned: true);
        engine.Set("k", "v1", Forever, 30);

        Assert.False(engine.Set("k", "v2", Forever, 50)); // 60 pinned + 50 > 100, and "k" is all that could go

        Assert.Equal([("k", "v1", RemovalReason.Replaced), ("k", "v2", RemovalReason.Capacity)], recorder.Removals);
        Assert.False(engine.ContainsKey("k"));
        Assert.True(engine.ContainsKey("pinned"));
        Assert.Equal(60, engine.Size);
        engine.CheckInvariants();
    }

    [Fact]
    public void A_new_node_overwrite_that_pinned_entries_leave_no_room_for_is_refused_and_the_old_value_removed()
    {
        var recorder = new Recorder<int>();
        using LruEngine<string, int> engine = Engine(recorder, maxSize: 100);
        engine.Set("pinned", 0, Forever, 60, pinned: true);
        engine.Set("live", 1, Forever, 30);
        Assert.False(engine.Set("live", 2, Forever, 50)); // a value type: a new node would take the old one's place
        engine.Set("due", 3, OneUnit, 30);
        _time.Advance(OneUnit);
        Assert.False(engine.Set("due", 4, TimeSpan.FromSeconds(5), 50));

        Assert.Equal(
            [("live", 1, RemovalReason.Replaced), ("live", 2, RemovalReason.Capacity),
             ("due", 3, RemovalReason.Expired), ("due", 4, RemovalReason.Capacity)],
            recorder.Removals);
        Assert.Equal(1, engine.Count);
        engine.CheckInvariants();
    }

    [Fact]
    public void A_new_node_overwrite_needs_room_only_for_the_difference_in_size()
    {
        var recorder = new Recorder<int>();
        using LruEngine<string, int> engine = Engine(recorder, maxSize: 100);
        engine.Set("a", 1, Forever, 40);
        engine.Set("b", 2, Forever, 40);

        Assert.True(engine.Set("a", 3, Forever, 50)); // 90 in all: nothing needs to go

        Assert.True(engine.ContainsKey("b"));
        Assert.Equal(90, engine.Size);
        Assert.Equal([("a", 1, RemovalReason.Replaced)], recorder.Removals);
        engine.CheckInvariants();
    }

    [Fact]
    public void A_new_node_overwrite_of_a_value_due_to_the_tick_reports_it_expired_not_replaced()
    {
        var recorder = new Recorder<int>();
        using LruEngine<string, int> engine = Engine(recorder);
        engine.Set("due", 1, OneUnit, 0);
        engine.Set("live", 2, TimeSpan.FromMinutes(1), 0);
        _time.Advance(OneUnit);

        Assert.True(engine.Set("due", 3, Forever, 0)); // a value type: a new node takes the old one's place
        Assert.True(engine.Set("live", 4, Forever, 0));

        Assert.Equal([("due", 1, RemovalReason.Expired), ("live", 2, RemovalReason.Replaced)], recorder.Removals);
        engine.CheckInvariants();
    }

    [Fact]
    public void A_GetOrAdd_hit_makes_its_key_the_most_recent()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder, maxItems: 2);
        engine.Set("a", "1", Forever, 0);
        engine.Set("b", "2", Forever, 0);

        Assert.Equal("1", engine.GetOrAdd("a", "other", Forever, 0));
        engine.Set("c", "3", Forever, 0);

        Assert.Equal([("b", "2", RemovalReason.Capacity)], recorder.Removals);
    }

    [Fact]
    public async Task RemoveIfSame_racing_writes_and_evictions_keeps_the_engine_whole()
    {
        using var engine = new LruEngine<string, string>(8, null, _time, TimeSpan.FromDays(1), StringComparer.Ordinal);
        string[] keys = [.. Enumerable.Range(0, 16).Select(i => "k" + i)];
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        Task[] threads = [.. Enumerable.Range(0, 4).Select(t => Task.Factory.StartNew(() =>
        {
            var random = new Random(t);
            while (!stop.IsCancellationRequested)
            {
                string key = keys[random.Next(keys.Length)];
                if (t % 2 == 0)
                {
                    engine.Set(key, new string('v', 1), Forever, 0);
                }
                else if (engine.TryGet(key, out string? seen))
                {
                    engine.RemoveIfSame(key, seen, RemovalReason.TokenExpired);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
        await Task.WhenAll(threads).WaitAsync(TimeSpan.FromSeconds(60));

        engine.CheckInvariants();
        Assert.InRange(engine.Count, 0, 8);
    }

    [Fact]
    public void GetOrAdd_replaces_a_value_whose_time_ran_out_to_the_tick()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder);
        engine.Set("k", "old", OneUnit, 0);
        _time.Advance(OneUnit);

        Assert.Equal("new", engine.GetOrAdd("k", "new", Forever, 0));

        Assert.Equal([("k", "old", RemovalReason.Expired)], recorder.Removals);
        Assert.True(engine.TryGet("k", out string? value));
        Assert.Equal("new", value);
    }

    [Fact]
    public void GetOrAdd_stores_a_value_of_exactly_the_largest_size_and_refuses_a_larger_one()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder, maxSize: 1000, maxItemSize: 100);

        Assert.Equal("fits", engine.GetOrAdd("fits", "fits", Forever, 100));
        Assert.Equal("over", engine.GetOrAdd("over", "over", Forever, 101));

        Assert.True(engine.ContainsKey("fits"));
        Assert.False(engine.ContainsKey("over"));
        Assert.Equal([("over", "over", RemovalReason.Oversized)], recorder.Removals);
    }

    [Fact]
    public void GetOrAdd_that_pinned_entries_leave_no_room_for_returns_its_value_without_storing_it()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder, maxItems: 1);
        engine.Set("pinned", "p", Forever, 0, pinned: true);

        Assert.Equal("v", engine.GetOrAdd("k", "v", Forever, 0));

        Assert.False(engine.ContainsKey("k"));
        Assert.Equal([("k", "v", RemovalReason.Capacity)], recorder.Removals);
        engine.CheckInvariants();
    }

    [Fact]
    public void RemoveIfSame_removes_only_the_very_value_expected_and_counts_a_token_removal_as_an_expiration()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder);
        string stored = new('v', 3);
        string equalButAnother = new('v', 3);
        engine.Set("k", stored, Forever, 0);

        Assert.False(engine.RemoveIfSame("absent", stored, RemovalReason.TokenExpired));
        Assert.False(engine.RemoveIfSame("k", equalButAnother, RemovalReason.TokenExpired));
        Assert.True(engine.ContainsKey("k"));
        Assert.True(engine.RemoveIfSame("k", stored, RemovalReason.TokenExpired));

        Assert.False(engine.ContainsKey("k"));
        Assert.Equal([("k", stored, RemovalReason.TokenExpired)], recorder.Removals);
        Assert.Equal(1, engine.GetCounters().Expirations);
        engine.CheckInvariants();
    }

    [Fact]
    public void RemoveIfSame_after_Dispose_does_nothing_and_does_not_throw()
    {
        var recorder = new Recorder<string>();
        LruEngine<string, string> engine = Engine(recorder);
        string stored = "v";
        engine.Set("k", stored, Forever, 0);
        engine.Dispose();

        Assert.False(engine.RemoveIfSame("k", stored, RemovalReason.TokenExpired)); // a change token may fire at any time
        Assert.Empty(recorder.Removals);
    }

    [Fact]
    public void Pinned_counts_and_sizes_follow_every_kind_of_overwrite()
    {
        var recorder = new Recorder<int>();
        using LruEngine<string, int> engine = Engine(recorder, maxItems: 2, maxSize: 1000);
        engine.Set("p", 1, Forever, 10, pinned: true);
        engine.Set("p", 2, TimeSpan.FromMinutes(1), 20, pinned: true); // a new node takes a pinned node's place
        engine.CheckInvariants();
        engine.Set("q", 3, Forever, 30);
        engine.Set("r", 4, Forever, 40); // evicts q: p is pinned
        Assert.True(engine.ContainsKey("p"));
        Assert.False(engine.ContainsKey("q"));
        engine.Set("p", 5, Forever, 50, pinned: false); // unpinned by an overwrite
        engine.CheckInvariants();
        Assert.True(engine.TryGet("r", out _));    // r the most recent, p the least
        engine.Set("s", 6, Forever, 60); // now p may go
        Assert.False(engine.ContainsKey("p"));
        engine.CheckInvariants();
    }

    [Fact]
    public void Evicting_writes_that_notify_a_listener_allocate_nothing_once_warm()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder, maxItems: 100);
        var keys = new string[1000];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = "k" + i;
        }

        for (int round = 0; round < 5; round++)
        {
            foreach (string key in keys)
            {
                engine.Set(key, key, Forever, 0); // warm: nodes to reuse, the recency log at its size, the spare list
            }
        }

        recorder.Removals.Clear();
        recorder.Removals.Capacity = 4096;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 3; round++)
        {
            foreach (string key in keys)
            {
                engine.Set(key, key, Forever, 0);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3000, recorder.Removals.Count);
    }

    [Fact]
    public void Compact_reclaims_expired_entries_first_then_evicts_the_least_recent_until_its_share_is_gone()
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder);
        engine.Set("e", "e1", TimeSpan.FromSeconds(5), 0);
        foreach (string key in new[] { "a", "b", "c", "d" })
        {
            engine.Set(key, key + "1", Forever, 0);
        }

        Assert.True(engine.TryGet("a", out _)); // oldest to newest now: e, b, c, d, a
        _time.Advance(TimeSpan.FromSeconds(6)); // e is due; the timer (once a day here) has not reclaimed it

        // 30 % of five is one and a half entries: two go, the expired one first, then the least recently used.
        engine.Compact(0.3);

        Assert.Equal([("e", "e1", RemovalReason.Expired), ("b", "b1", RemovalReason.Capacity)], recorder.Removals);
        Assert.Equal(3, engine.Count);

        // None: nothing live goes.
        engine.Compact(0);
        Assert.Equal(3, engine.Count);
        engine.CheckInvariants();
    }

    [Theory]
    [InlineData(AtomicLruEvictionPolicy.Lru)]
    [InlineData(AtomicLruEvictionPolicy.TinyLfu)]
    public void Compacting_everything_keeps_the_pinned_entries_and_a_disposed_engine_refuses_to_compact(AtomicLruEvictionPolicy policy)
    {
        var recorder = new Recorder<string>();
        var engine = new LruEngine<string, string>(maxItems: 100, maxSize: null, _time, TimeSpan.FromDays(1), StringComparer.Ordinal, recorder, evictionPolicy: policy);
        engine.Set("pinned", "p", Forever, 0, pinned: true);
        for (int i = 0; i < 20; i++)
        {
            engine.Set("k" + i, "v", Forever, 0);
        }

        engine.Compact(1.0);

        Assert.Equal(20, recorder.Removals.Count);
        Assert.All(recorder.Removals, removal => Assert.Equal(RemovalReason.Capacity, removal.Reason));
        Assert.True(engine.TryGet("pinned", out string? pinned));
        Assert.Equal("p", pinned);
        Assert.Equal(1, engine.Count);
        engine.CheckInvariants();

        engine.Dispose();
        Assert.Throws<ObjectDisposedException>(() => engine.Compact(0.5));
    }

    [Theory]
    [InlineData("maintenance")]
    [InlineData("compaction")]
    [InlineData("an expired entry found by a read")]
    [InlineData("new limits")]
    public void Every_locked_path_waits_for_a_write_in_progress(string path)
    {
        var recorder = new Recorder<string>();
        using LruEngine<string, string> engine = Engine(recorder);
        engine.Set("due", "v", TimeSpan.FromSeconds(1), 0);
        engine.Set("b", "v", Forever, 0);
        _time.Advance(TimeSpan.FromSeconds(2));
        Action call = path switch
        {
            "maintenance" => engine.RunMaintenance,
            "compaction" => () => engine.Compact(0.5),
            "an expired entry found by a read" => () => engine.TryGet("due", out _),
            _ => () => engine.Reconfigure(maxItems: 1, maxSize: null, maxItemSize: null, TimeSpan.FromDays(1)),
        };

        int done = 0;
        Assert.False(engine.Policy.EnterWrite());
        var caller = new Thread(() =>
        {
            call();
            Volatile.Write(ref done, 1);
        }) { IsBackground = true };
        try
        {
            caller.Start();
            var spinner = new SpinWait();
            while (!engine.Policy.HasWaiter && Volatile.Read(ref done) == 0)
            {
                spinner.SpinOnce();
            }

            Assert.Equal(0, Volatile.Read(ref done)); // it waited for the lock rather than went ahead without it
            Assert.Empty(recorder.Removals);
        }
        finally
        {
            engine.Policy.Exit();
        }

        Assert.True(caller.Join(TimeSpan.FromSeconds(30)));
        Assert.Contains(("due", "v", RemovalReason.Expired), recorder.Removals);
        engine.CheckInvariants();
    }
}
