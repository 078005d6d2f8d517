using System;
using System.Collections.Generic;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests.Engine;

/// <summary>
/// A lock-free read judges expiry from two loads, the entry's expiry and the clock, and other threads may act between
/// them: slide the entry, move the clock, find it expired. Each test replays one such schedule deterministically: the
/// clock runs the other thread's steps inside the reader's clock read, before or after taking the time. Each result
/// must be one some order of the operations gives (the first, a miss of an entry that had been slid to outlive the
/// clock, failed the linearizability checker once).
/// </summary>
public sealed class ExpiryRaceTests
{
    private static readonly TimeSpan Forever = Timeout.InfiniteTimeSpan;
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1500);

    private readonly SteppingClock _time = new();

    private LruEngine<string, string> Engine() => new(maxItems: 10, maxSize: null, _time, TimeSpan.FromDays(1));

    [Fact]
    public void A_read_that_loaded_the_expiry_before_another_slid_it_and_time_passed_the_old_expiry_hits()
    {
        using LruEngine<string, string> engine = Engine();
        engine.Set("k", "v", Forever, 0, sliding: Window); // due at 1.5 s
        _time.Advance(TimeSpan.FromSeconds(1));

        _time.BeforeNextRead(() =>
        {
            Assert.True(engine.TryGet("k", out _)); // slides to 2.5 s
            _time.Advance(TimeSpan.FromSeconds(1)); // 2 s: past the expiry the outer read loaded
        });

        Assert.True(engine.TryGet("k", out string? value));
        Assert.Equal("v", value);
        _time.Advance(TimeSpan.FromMilliseconds(1400)); // 3.4 s: the outer read, at 2 s, slid it to 3.5 s
        Assert.True(engine.TryGet("k", out _));
        engine.CheckInvariants();
    }

    [Fact]
    public void ContainsKey_that_loaded_the_expiry_before_another_slid_it_and_time_passed_the_old_expiry_is_true()
    {
        using LruEngine<string, string> engine = Engine();
        engine.Set("k", "v", Forever, 0, sliding: Window);
        _time.Advance(TimeSpan.FromSeconds(1));

        _time.BeforeNextRead(() =>
        {
            Assert.True(engine.TryGet("k", out _));
            _time.Advance(TimeSpan.FromSeconds(1));
        });

        Assert.True(engine.ContainsKey("k"));
    }

    [Fact]
    public void A_read_that_saw_the_entry_live_cannot_revive_it_after_another_read_found_it_expired()
    {
        using LruEngine<string, string> engine = Engine();
        engine.Set("k", "v", Forever, 0, sliding: Window);
        _time.Advance(TimeSpan.FromSeconds(1));
        bool innerHit = true;

        _time.AfterNextRead(() => // the outer read has taken 1 s, before the expiry it loaded
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            innerHit = engine.TryGet("k", out _); // 2 s: expired
        });

        bool outerHit = engine.TryGet("k", out _);

        // The outer read may come first (a hit that slides the entry to 2.5 s, so the inner read at 2 s hits too)
        // or after the inner one (a miss): never a hit beside the inner read's miss.
        Assert.False(innerHit);
        Assert.False(outerHit);
        Assert.False(engine.TryGet("k", out _));
        Assert.Equal(0, engine.Count);
        engine.CheckInvariants();
    }

    [Fact]
    public void A_slide_from_an_earlier_clock_reading_never_shortens_the_one_from_a_later_reading()
    {
        using LruEngine<string, string> engine = Engine();
        engine.Set("k", "v", Forever, 0, sliding: Window);
        _time.Advance(TimeSpan.FromSeconds(1));

        _time.BeforeNextRead(() =>
        {
            Assert.True(engine.TryGet("k", out _)); // at 1 s: slides to 2.5 s
            _time.Advance(TimeSpan.FromMilliseconds(400));
        });

        Assert.True(engine.TryGet("k", out _)); // at 1.4 s: must leave it due at 2.9 s, though its first swap loses
        _time.Advance(TimeSpan.FromMilliseconds(1400)); // 2.8 s
        Assert.True(engine.TryGet("k", out _));
    }

    [Fact]
    public void A_key_list_that_left_out_an_expired_entry_is_not_contradicted_by_a_read_that_saw_it_live()
    {
        using LruEngine<string, string> engine = Engine();
        engine.Set("k", "v", Forever, 0, sliding: TimeSpan.FromMilliseconds(900)); // due at 0.9 s, in the wheel's [0.875 s, 1 s)
        _time.Advance(TimeSpan.FromMilliseconds(880));
        engine.Set("other", "v", Forever, 0); // the wheel's hand is now at 0.88 s
        List<string> keys = ["not taken"];

        _time.AfterNextRead(() => // the outer read has taken 0.88 s, before the expiry it loaded
        {
            _time.Advance(TimeSpan.FromMilliseconds(30)); // 0.91 s: expired, in the bucket the hand is in, so still held
            keys = engine.SnapshotKeys();
        });

        bool hit = engine.TryGet("k", out _);

        Assert.Equal(["other"], keys);
        Assert.False(hit); // a hit would slide it to 1.78 s: then the list, taken at 0.91 s, should have held it
        Assert.False(engine.TryGet("k", out _));
        engine.CheckInvariants();
    }

    /// <summary>A fake clock that runs a step of "another thread" inside the next reading of the time.</summary>
    private sealed class SteppingClock : FakeTimeProvider
    {
        private Action? _before;
        private Action? _after;

        public void BeforeNextRead(Action step) => _before = step;

        public void AfterNextRead(Action step) => _after = step;

        public override long GetTimestamp()
        {
            Action? before = Interlocked.Exchange(ref _before, null);
            before?.Invoke();
            long now = base.GetTimestamp();
            Action? after = Interlocked.Exchange(ref _after, null);
            after?.Invoke();
            return now;
        }
    }
}
