using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// A running engine takes new limits: a smaller one evicts the least recently used entries, never pinned ones, before
/// <c>Reconfigure</c> returns, and reports each eviction; entries that fit stay; the timer takes the new period.
/// </summary>
public sealed class ReconfigureTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingListener _removals = new();

    private LruEngine<string, string> Create(int? maxItems, long? maxSize = null)
        => new(maxItems, maxSize, _time, TimeSpan.FromSeconds(1), StringComparer.Ordinal, _removals);

    [Fact]
    public void A_smaller_MaxItems_evicts_in_LRU_order_reports_each_eviction_and_keeps_the_rest()
    {
        using var engine = Create(maxItems: 6);
        foreach (string key in new[] { "a", "b", "c", "d", "e", "f" })
        {
            engine.Set(key, key, Timeout.InfiniteTimeSpan, 1);
        }

        Assert.True(engine.TryGet("a", out _)); // a is now the most recent: b is the least

        engine.Reconfigure(maxItems: 3, maxSize: null, maxItemSize: null, TimeSpan.FromSeconds(1));

        Assert.Equal(3, engine.Count);
        Assert.Equal(["b", "c", "d"], _removals.Removals.Select(r => r.Key));
        Assert.All(_removals.Removals, r => Assert.Equal(RemovalReason.Capacity, r.Reason));
        Assert.All(new[] { "a", "e", "f" }, key => Assert.True(engine.TryGet(key, out _)));
        engine.CheckInvariants();
    }

    [Fact]
    public void A_smaller_size_limit_evicts_until_the_size_fits_and_a_smaller_item_limit_refuses_only_later_writes()
    {
        using var engine = Create(maxItems: null, maxSize: 1000);
        for (int i = 0; i < 10; i++)
        {
            engine.Set($"k{i}", "v", Timeout.InfiniteTimeSpan, size: 100);
        }

        engine.Reconfigure(maxItems: null, maxSize: 450, maxItemSize: 50, TimeSpan.FromSeconds(1));

        Assert.Equal(400, engine.Size); // four entries of 100 stay, though each is over the new per-entry limit
        Assert.Equal(4, engine.Count);
        Assert.False(engine.Set("big", "v", Timeout.InfiniteTimeSpan, size: 51));
        Assert.True(engine.Set("small", "v", Timeout.InfiniteTimeSpan, size: 50));
        Assert.Equal(5, engine.Count); // it fits in the 50 left
        Assert.True(engine.Set("small2", "v", Timeout.InfiniteTimeSpan, size: 50));
        Assert.Equal(400, engine.Size); // the next one evicts k6, the least recent (100 out, 50 in)
        Assert.False(engine.TryGet("k6", out _));
        engine.CheckInvariants();
    }

    [Fact]
    public void Pinned_entries_stay_over_a_limit_set_below_them_and_writes_that_would_add_are_refused_until_they_go()
    {
        using var engine = Create(maxItems: 5);
        engine.Set("p1", "v", Timeout.InfiniteTimeSpan, 1, pinned: true);
        engine.Set("p2", "v", Timeout.InfiniteTimeSpan, 1, pinned: true);
        engine.Set("u1", "v", Timeout.InfiniteTimeSpan, 1);
        engine.Set("u2", "v", Timeout.InfiniteTimeSpan, 1);

        engine.Reconfigure(maxItems: 1, maxSize: null, maxItemSize: null, TimeSpan.FromSeconds(1));

        Assert.Equal(2, engine.Count);
        Assert.True(engine.TryGet("p1", out _));
        Assert.True(engine.TryGet("p2", out _));
        engine.CheckInvariants();
        Assert.False(engine.Set("new", "v", Timeout.InfiniteTimeSpan, 1));
        Assert.True(engine.Remove("p1"));
        Assert.False(engine.Set("new", "v", Timeout.InfiniteTimeSpan, 1)); // p2 alone still fills the one place
        Assert.True(engine.Remove("p2"));
        Assert.True(engine.Set("new", "v", Timeout.InfiniteTimeSpan, 1));
        engine.CheckInvariants();
    }

    [Fact]
    public void The_background_reclaim_takes_the_new_period_from_the_reconfiguration_on()
    {
        using var engine = new LruEngine<string, string>(null, null, _time, TimeSpan.FromHours(1), StringComparer.Ordinal, _removals);
        engine.Set("k", "v", TimeSpan.FromSeconds(1), 1);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, engine.Count);

        engine.Reconfigure(null, null, null, TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, engine.Count);
        Assert.Equal(RemovalReason.Expired, Assert.Single(_removals.Removals).Reason);
    }

    [Fact]
    public void Reconfigure_after_Dispose_does_nothing()
    {
        var engine = Create(maxItems: 5);
        engine.Dispose();

        engine.Reconfigure(1, null, null, TimeSpan.FromSeconds(1));

        Assert.Empty(_removals.Removals);
    }

    [Fact]
    public async Task Limits_changing_while_threads_write_and_read_hold_after_every_change()
    {
        using var engine = Create(maxItems: 1000, maxSize: 100_000);
        using var stop = new CancellationTokenSource();
        Task[] writers = [.. Enumerable.Range(0, 3).Select(t => Task.Factory.StartNew(() =>
        {
            var random = new Random(t);
            while (!stop.IsCancellationRequested)
            {
                string key = $"k{random.Next(2000)}";
                if (random.Next(4) == 0)
                {
                    engine.TryGet(key, out _);
                }
                else
                {
                    engine.Set(key, "v", Timeout.InfiniteTimeSpan, random.Next(1, 200));
                }
            }
        }, TaskCreationOptions.LongRunning))];

        var limits = new Random(42);
        for (int round = 0; round < 300; round++)
        {
            engine.Reconfigure(limits.Next(1, 1500), limits.Next(200, 150_000), null, TimeSpan.FromSeconds(1));
            engine.CheckInvariants(); // under the lock: Count and Size within the limits just set
        }

        stop.Cancel();
        await Task.WhenAll(writers);
        engine.CheckInvariants();
    }
}
