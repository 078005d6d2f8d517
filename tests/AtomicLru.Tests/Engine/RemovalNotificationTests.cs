using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>Every removal reaches the listener once, with its reason and charge, after the lock is released.</summary>
public sealed class RemovalNotificationTests
{
    private readonly FakeTimeProvider _time = new();

    private LruEngine<string, string> Create(int? maxItems, RecordingListener listener)
        => new(maxItems, maxSize: null, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, listener);

    [Fact]
    public void Every_removal_is_reported_once_with_its_reason()
    {
        var listener = new RecordingListener();
        using var engine = Create(maxItems: 2, listener);

        engine.Set("a", "a1", TimeSpan.FromSeconds(5), 0);
        engine.Set("a", "a2", System.Threading.Timeout.InfiniteTimeSpan, 0); // replaces a1
        engine.Set("b", "b1", TimeSpan.FromSeconds(5), 0);
        engine.Set("c", "c1", System.Threading.Timeout.InfiniteTimeSpan, 0); // evicts a (least recent)
        engine.Remove("c");                                                   // removed
        _time.Advance(TimeSpan.FromSeconds(6));                               // b expires, reclaimed by the timer
        engine.Set("d", "d1", System.Threading.Timeout.InfiniteTimeSpan, 0);
        engine.Clear();                                                       // d cleared

        Assert.Equal(
            [("a", "a1", RemovalReason.Replaced), ("a", "a2", RemovalReason.Capacity), ("c", "c1", RemovalReason.Removed),
             ("b", "b1", RemovalReason.Expired), ("d", "d1", RemovalReason.Cleared)],
            listener.Removals);
        EngineCounters counters = engine.GetCounters();
        Assert.Equal((1, 1, 1, 1, 1), (counters.Replacements, counters.CapacityEvictions, counters.Removals, counters.Expirations, counters.ClearedEntries));
    }

    [Fact]
    public void Every_removal_reports_what_the_entry_was_charged_and_a_refused_write_what_it_would_have_been()
    {
        var listener = new RecordingListener();
        using var engine = new LruEngine<string, string>(maxItems: null, maxSize: 100, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, listener, maxItemSize: 60);
        var forever = System.Threading.Timeout.InfiniteTimeSpan;

        engine.Set("a", "a1", forever, 30);
        engine.Set("a", "a2", forever, 35);           // replaces a1, charged 30
        engine.Set("b", "b1", forever, 50);
        engine.Set("c", "c1", forever, 40);           // evicts a2, charged 35
        engine.Set("d", "d1", forever, 61);           // refused: over the per-entry maximum
        engine.GetOrAdd("e", "e1", forever, 70);      // refused too
        engine.Remove("b");                           // charged 50
        engine.Clear();                               // c, charged 40

        Assert.Equal(
            [("a", "a1", RemovalReason.Replaced), ("a", "a2", RemovalReason.Capacity), ("d", "d1", RemovalReason.Oversized),
             ("e", "e1", RemovalReason.Oversized), ("b", "b1", RemovalReason.Removed), ("c", "c1", RemovalReason.Cleared)],
            listener.Removals);
        Assert.Equal([30L, 35, 61, 70, 50, 40], listener.Sizes);
    }

    [Fact]
    public void A_listener_may_call_back_into_the_cache_because_it_runs_outside_the_lock()
    {
        var listener = new RecordingListener();
        using var engine = Create(maxItems: 2, listener);
        listener.OnRemovedCallback = key =>
        {
            // Re-entering from the notification: would deadlock or corrupt if called under the lock.
            if (key == "a")
            {
                engine.Set("tombstone", "a", System.Threading.Timeout.InfiniteTimeSpan, 0);
            }
        };

        engine.Set("a", "1", System.Threading.Timeout.InfiniteTimeSpan, 0);
        engine.Set("b", "2", System.Threading.Timeout.InfiniteTimeSpan, 0);
        engine.Set("c", "3", System.Threading.Timeout.InfiniteTimeSpan, 0); // evicts a; the callback's Set evicts b

        Assert.Equal([("a", "1", RemovalReason.Capacity), ("b", "2", RemovalReason.Capacity)], listener.Removals);
        Assert.True(engine.TryGet("tombstone", out string? tombstone));
        Assert.Equal("a", tombstone);
        Assert.True(engine.ContainsKey("c"));
        engine.CheckInvariants();
    }

    [Fact]
    public void A_listener_that_throws_is_still_told_of_every_removal_and_the_call_rethrows_what_it_threw()
    {
        var listener = new RecordingListener();
        using var engine = Create(maxItems: null, listener);
        var forever = System.Threading.Timeout.InfiniteTimeSpan;
        foreach (string key in new[] { "a", "b", "c" })
        {
            engine.Set(key, key + "1", forever, 0);
        }

        // One failure: the others are told all the same, and the call throws that very exception.
        var failure = new InvalidOperationException("the listener failed for b");
        listener.OnRemovedCallback = key =>
        {
            if (key == "b")
            {
                throw failure;
            }
        };
        Assert.Same(failure, Assert.Throws<InvalidOperationException>(engine.Clear));
        Assert.Equal(["a", "b", "c"], listener.Removals.Select(r => r.Key).Order());
        Assert.All(listener.Removals, r => Assert.Equal(RemovalReason.Cleared, r.Reason));
        Assert.Equal(0, engine.Count);

        // A failure for every removal: each told, all thrown together.
        listener.Removals.Clear();
        listener.OnRemovedCallback = null;
        foreach (string key in new[] { "a", "b", "c" })
        {
            engine.Set(key, key + "2", forever, 0);
        }

        listener.OnRemovedCallback = key => throw new InvalidOperationException(key);
        var all = Assert.Throws<AggregateException>(engine.Clear);
        Assert.Equal(["a", "b", "c"], all.InnerExceptions.Select(e => e.Message).Order());
        Assert.Equal(["a", "b", "c"], listener.Removals.Select(r => r.Key).Order());

        // A write whose eviction the listener fails for has landed, and the lock was released.
        engine.Reconfigure(maxItems: 1, maxSize: null, maxItemSize: null, TimeSpan.FromSeconds(1));
        listener.OnRemovedCallback = null;
        engine.Set("d", "d1", forever, 0);
        listener.OnRemovedCallback = key => throw new InvalidOperationException(key);
        Assert.Equal("d", Assert.Throws<InvalidOperationException>(() => engine.Set("e", "e1", forever, 0)).Message);
        Assert.True(engine.TryGet("e", out string? e));
        Assert.Equal("e1", e);
        Assert.False(engine.ContainsKey("d"));
        engine.CheckInvariants();
    }

    [Fact]
    public void Entries_the_timer_reclaims_are_all_reported_and_a_listener_failure_does_not_escape_the_timer()
    {
        var listener = new RecordingListener { OnRemovedCallback = key => throw new InvalidOperationException(key) };
        using var engine = Create(maxItems: null, listener);
        engine.Set("a", "a1", TimeSpan.FromSeconds(5), 0);
        engine.Set("b", "b1", TimeSpan.FromSeconds(5), 0);

        // FakeTimeProvider runs the timer's callback inside Advance, so what escaped it would surface here; on a system
        // timer it would end the process.
        _time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal([("a", "a1", RemovalReason.Expired), ("b", "b1", RemovalReason.Expired)], listener.Removals.Order());
        Assert.Equal(0, engine.Count);
        engine.CheckInvariants();
    }
}
