using System;
using System.Runtime.CompilerServices;
using System.Threading;
using AtomicLru.Engine;

namespace AtomicLru.Tests.Engine;

/// <summary>The engine's maintenance timer: made without the caller's context, and stopped once the engine is gone.</summary>
public sealed class MaintenanceTimerTests
{
    [Fact]
    public void The_timer_is_made_without_the_callers_execution_context_and_the_flow_is_restored_after()
    {
        // A context flowing into the timer would keep the caller's AsyncLocal values (a request's, say) alive and
        // visible to every tick for the cache's lifetime.
        var time = new TimerWatchingTimeProvider();
        using (new LruEngine<string, string>(10, null, time, TimeSpan.FromSeconds(1)))
        {
            Assert.True(time.Timer!.FlowSuppressed);
            Assert.False(ExecutionContext.IsFlowSuppressed());
        }

        // A caller that had suppressed the flow itself gets it back as it was: still suppressed, its to restore.
        using (ExecutionContext.SuppressFlow())
        {
            using (new LruEngine<string, string>(10, null, time, TimeSpan.FromSeconds(1)))
            {
                Assert.True(time.Timer!.FlowSuppressed);
                Assert.True(ExecutionContext.IsFlowSuppressed());
            }
        }
    }

    [Fact]
    public void An_engine_dropped_without_Dispose_is_collected_and_its_timer_stops_at_the_next_tick()
    {
        var time = new TimerWatchingTimeProvider();
        WeakReference engine = CreateAndDrop(time);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(engine.IsAlive); // the timer holds the engine weakly
        Assert.False(time.Timer!.Disposed);
        time.Advance(TimeSpan.FromSeconds(1)); // the tick finds the engine gone
        Assert.True(time.Timer.Disposed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CreateAndDrop(TimeProvider time)
    {
        var engine = new LruEngine<string, string>(maxItems: 10, maxSize: null, time, TimeSpan.FromSeconds(1));
        engine.Set("k", "v", TimeSpan.FromMinutes(1), 0);
        return new WeakReference(engine);
    }
}
