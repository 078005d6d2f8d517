using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that remembers the last timer made from it: whether the caller's execution context
/// was to flow into it, and whether it was disposed.
/// </summary>
internal sealed class TimerWatchingTimeProvider : TimeProvider
{
    private readonly FakeTimeProvider _inner = new();

    public WatchedTimer? Timer { get; private set; }

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override long GetTimestamp() => _inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        => Timer = new WatchedTimer(_inner.CreateTimer(callback, state, dueTime, period), ExecutionContext.IsFlowSuppressed());

    public void Advance(TimeSpan delta) => _inner.Advance(delta);

    internal sealed class WatchedTimer(ITimer inner, bool flowSuppressed) : ITimer
    {
        /// <summary>Whether the caller's execution context was kept out of the timer when it was made.</summary>
        public bool FlowSuppressed { get; } = flowSuppressed;

        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

        public void Dispose()
        {
            Disposed = true;
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
