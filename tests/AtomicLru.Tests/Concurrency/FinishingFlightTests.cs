using System;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// A GetOrAdd that starts after its value was stored by another caller's flight, and then removed, must not join that
/// flight while it finishes: it would return the removed value and store nothing. The removal listener runs on the
/// storing thread after the store is visible and before the flight ends, which holds that window open.
/// </summary>
public sealed class FinishingFlightTests
{
    [Fact]
    public void A_GetOrAdd_after_a_Remove_of_a_value_whose_flight_is_still_finishing_stores_its_own_value()
    {
        var listener = new RecordingListener();
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions { MaxItems = 1 }, new FakeTimeProvider(), listener);
        storage.Set("other", "x");
        string? late = null;
        Exception? failure = null;
        Thread? lateCaller = null;
        listener.OnRemovedCallback = key =>
        {
            if (key != "other")
            {
                return;
            }

            // Inside the first flight, after it stored "first" (which evicted "other"): remove it, then ask again.
            Assert.True(storage.Remove("k"));
            lateCaller = new Thread(() =>
            {
                try
                {
                    late = storage.GetOrAdd("k", _ => "second");
                }
                catch (Exception exception)
                {
                    failure = exception;
                }
            });
            lateCaller.UnsafeStart(); // another caller: none of this flight's context flows into it
            var waited = Stopwatch.StartNew();
            while ((lateCaller.ThreadState & System.Threading.ThreadState.WaitSleepJoin) == 0 && lateCaller.IsAlive)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the late GetOrAdd neither blocked nor finished");
                Thread.Yield(); // until the late caller waits on the first flight (or has finished)
            }
        };

        Assert.Equal("first", storage.GetOrAdd("k", _ => "first"));
        Assert.True(lateCaller!.Join(TimeSpan.FromSeconds(10)));
        Assert.Null(failure);

        Assert.Equal("second", late);
        Assert.True(storage.TryGet("k", out string? held));
        Assert.Equal("second", held);
    }
}
