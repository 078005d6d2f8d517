using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AtomicLru.Concurrency;

/// <summary>
/// Runs at most one producer per key at a time: the first caller for a key leads and runs the producer;
/// callers that come while it runs wait for its result or its exception.
/// </summary>
/// <remarks>
/// <para>A flight leaves the map before its result is published, and a producer must look in the cache
/// before computing (the caller's producers do): so a caller that arrives after a flight ended either
/// finds the stored value or starts a flight that finds it, and the factory does not run twice.</para>
/// <para>Cancellation: an asynchronous producer gets a token of the flight's own, cancelled only when
/// every waiter has given up. One caller's cancellation ends that caller's wait, never the others'.
/// Synchronous callers cannot cancel, so a flight with one never is.</para>
/// <para>Re-entrancy: a producer that asks for its own key (directly, or through producers of other keys it calls)
/// would wait for itself forever. The flights an execution is leading are kept in an <see cref="AsyncLocal{T}"/>
/// chain, so such a call throws <see cref="InvalidOperationException"/> instead, as <c>Lazy&lt;T&gt;</c> does for
/// recursion. The chain is written only by leaders (the miss path); joining reads it.</para>
/// </remarks>
internal sealed class SingleFlight<TKey, TResult>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Flight> _flights;

    /// <summary>The innermost flight the current execution leads; each flight points to the one it was started in.</summary>
    private static readonly AsyncLocal<Flight?> Leading = new();

    internal SingleFlight(IEqualityComparer<TKey>? comparer = null)
    {
        _flights = new ConcurrentDictionary<TKey, Flight>(comparer);
    }

    /// <summary>Flights running now (for tests).</summary>
    internal int Count => _flights.Count;

    internal TResult Run<TState>(TKey key, TState state, Func<TKey, TState, TResult> produce)
    {
        while (true)
        {
            if (_flights.TryGetValue(key, out Flight? running))
            {
                ThrowIfLedHere(key, running);
                Join join = running.TryJoin();
                if (join == Join.Joined)
                {
                    return running.Completion.Task.GetAwaiter().GetResult();
                }

                if (join == Join.Closed)
                {
                    // Its outcome is decided and may already have changed (see CloseLeading): wait it out, then look again.
                    ((Task)running.Completion.Task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
                    continue;
                }

                _flights.TryRemove(new KeyValuePair<TKey, Flight>(key, running));
                continue;
            }

            var flight = new Flight(cancellable: false);
            if (!_flights.TryAdd(key, flight))
            {
                continue;
            }

            TResult result;
            Flight? outer = Leading.Value;
            flight.Parent = outer;
            Leading.Value = flight;
            try
            {
                result = produce(key, state);
            }
            catch (Exception exception)
            {
                Fail(key, flight, exception);
                throw;
            }
            finally
            {
                Leading.Value = outer;
            }

            _flights.TryRemove(new KeyValuePair<TKey, Flight>(key, flight));
            flight.Completion.TrySetResult(result);
            return result;
        }
    }

    internal async ValueTask<TResult> RunAsync<TState>(
        TKey key, TState state, Func<TKey, TState, CancellationToken, ValueTask<TResult>> produce, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_flights.TryGetValue(key, out Flight? running))
            {
                ThrowIfLedHere(key, running);
                Join join = running.TryJoin();
                if (join == Join.Joined)
                {
                    return await WaitAsync(key, running, cancellationToken).ConfigureAwait(false);
                }

                if (join == Join.Closed)
                {
                    // Its outcome is decided and may already have changed (see CloseLeading): wait it out, then look again.
                    await ((Task)running.Completion.Task).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                _flights.TryRemove(new KeyValuePair<TKey, Flight>(key, running));
                continue;
            }

            var flight = new Flight(cancellable: true);
            if (!_flights.TryAdd(key, flight))
            {
                continue;
            }

            _ = LeadAsync(key, state, produce, flight);
            return await WaitAsync(key, flight, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task LeadAsync<TState>(TKey key, TState state, Func<TKey, TState, CancellationToken, ValueTask<TResult>> produce, Flight flight)
    {
        TResult result;
        flight.Parent = Leading.Value;
        Leading.Value = flight; // this async method's own copy of the context: the caller's is left alone
        try
        {
            result = await produce(key, state, flight.Token).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Fail(key, flight, exception);
            return;
        }

        _flights.TryRemove(new KeyValuePair<TKey, Flight>(key, flight));
        flight.Completion.TrySetResult(result);
    }

    private async ValueTask<TResult> WaitAsync(TKey key, Flight flight, CancellationToken cancellationToken)
    {
        try
        {
            return await flight.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (flight.Leave())
            {
                _flights.TryRemove(new KeyValuePair<TKey, Flight>(key, flight));
            }

            throw;
        }
    }

    /// <summary>
    /// Called by a producer, inside its flight, just before its outcome becomes visible to others (it finds the key's
    /// value, or stores one): from then on nobody joins the flight; callers that arrive wait for it to end and look
    /// again. Why: a caller that joined after the outcome was visible, and after someone removed it, would return the
    /// removed value though its own lookup came later (a GetOrAdd right after its own Remove returning what it removed).
    /// Those that joined before share the outcome, which happened within their call. Does nothing outside a flight.
    /// </summary>
    internal static void CloseLeading() => Leading.Value?.Close(open: false);

    /// <summary>Lets callers join the current flight again: its producer found nothing and goes on to run the factory.</summary>
    internal static void ReopenLeading() => Leading.Value?.Close(open: true);

    /// <summary>Throws if the current execution leads <paramref name="flight"/>: joining it would wait for itself.</summary>
    private static void ThrowIfLedHere(TKey key, Flight flight)
    {
        for (Flight? led = Leading.Value; led is not null; led = led.Parent)
        {
            if (ReferenceEquals(led, flight))
            {
                throw new InvalidOperationException(
                    $"GetOrAdd for the key '{key}' was called from inside its own factory (directly or through other factories it called); it would wait for itself forever. A factory must not ask for the key it produces.");
            }
        }
    }

    private void Fail(TKey key, Flight flight, Exception exception)
    {
        _flights.TryRemove(new KeyValuePair<TKey, Flight>(key, flight));
        if (exception is OperationCanceledException canceled && flight.Token.IsCancellationRequested)
        {
            flight.Completion.TrySetCanceled(canceled.CancellationToken);
        }
        else
        {
            flight.Completion.TrySetException(exception);
        }

        // The leader rethrows the exception itself; with no waiter, nobody else observes the task.
        _ = flight.Completion.Task.Exception;
    }

    /// <summary>What <see cref="Flight.TryJoin"/> found.</summary>
    private enum Join
    {
        /// <summary>Joined: wait for the flight's result.</summary>
        Joined,

        /// <summary>Its outcome is being made visible: wait for it to end, then look again.</summary>
        Closed,

        /// <summary>Every waiter left and it was cancelled: take it out and start afresh.</summary>
        Abandoned,
    }

    private sealed class Flight
    {
        private readonly Lock _gate = new();
        private readonly CancellationTokenSource? _cancellation;
        private int _waiters = 1; // the leader
        private bool _abandoned;
        private bool _closed;

        internal Flight(bool cancellable)
        {
            _cancellation = cancellable ? new CancellationTokenSource() : null;
        }

        internal TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal CancellationToken Token => _cancellation?.Token ?? CancellationToken.None;

        /// <summary>The flight whose producer started this one, if any (see <see cref="Leading"/>).</summary>
        internal Flight? Parent { get; set; }

        internal void Close(bool open)
        {
            lock (_gate)
            {
                _closed = !open;
            }
        }

        /// <summary>
        /// Joins the flight, or says why not, in one step under its lock: a flight closed at the check may reopen a moment
        /// later, and taking it then for abandoned (and removing it) let a second factory run beside the first.
        /// </summary>
        internal Join TryJoin()
        {
            lock (_gate)
            {
                if (_abandoned)
                {
                    return Join.Abandoned;
                }

                if (_closed)
                {
                    return Join.Closed;
                }

                _waiters++;
                return Join.Joined;
            }
        }

        /// <summary>A waiter gives up; true if it was the last one, which cancels the producer.</summary>
        internal bool Leave()
        {
            lock (_gate)
            {
                _waiters--;
                if (_waiters > 0 || Completion.Task.IsCompleted || _cancellation is null)
                {
                    return false;
                }

                _abandoned = true;
            }

            _cancellation.Cancel();
            return true;
        }
    }
}
