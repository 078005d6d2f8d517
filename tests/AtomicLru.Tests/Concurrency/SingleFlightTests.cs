using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru.Concurrency;

namespace AtomicLru.Tests.Concurrency;

/// <summary>
/// <see cref="SingleFlight{TKey,TResult}"/> on its own: one producer per key at a time, its result or exception for
/// every caller that joined, each caller's cancellation its own, and no flight left behind.
/// </summary>
public sealed class SingleFlightTests
{
    [Fact]
    public async Task Callers_that_come_while_a_flight_runs_share_its_one_run_and_its_result()
    {
        var flights = new SingleFlight<string, int>();
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int runs = 0;
        int Produce(string key, int state)
        {
            Interlocked.Increment(ref runs);
            started.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            return 42;
        }

        Task<int> leader = OnOwnThread(() => flights.Run("k", 0, Produce));
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        Task<int>[] joiners = Enumerable.Range(0, 7)
            .Select(_ => flights.RunAsync("k", 0, (key, state, _) => ValueTask.FromResult(Produce(key, state)), CancellationToken.None).AsTask())
            .ToArray();
        Assert.All(joiners, joiner => Assert.False(joiner.IsCompleted)); // joined the running flight, not run again
        release.Set();

        int[] results = await Task.WhenAll([leader, .. joiners]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, result => Assert.Equal(42, result));
        Assert.Equal(1, runs);
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public void A_flight_on_one_key_does_not_hold_up_another_key()
    {
        var flights = new SingleFlight<string, string>();

        string outer = flights.Run("a", 0, (_, _) => flights.Run("b", 0, (key, _) => key + "!"));

        Assert.Equal("b!", outer);
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public async Task A_producer_that_throws_fails_every_caller_that_joined_and_the_next_caller_runs_again()
    {
        var flights = new SingleFlight<string, int>();
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Task<int> leader = OnOwnThread(() => flights.Run("k", 0, (_, _) =>
        {
            started.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            throw new InvalidOperationException("boom");
        }));
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        Task<int> joiner = flights.RunAsync("k", 0, (_, _, _) => ValueTask.FromResult(-1), CancellationToken.None).AsTask();
        release.Set();

        await Assert.ThrowsAsync<InvalidOperationException>(() => leader.WaitAsync(TimeSpan.FromSeconds(30)));
        InvalidOperationException joined = await Assert.ThrowsAsync<InvalidOperationException>(() => joiner.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("boom", joined.Message);
        Assert.Equal(0, flights.Count);
        Assert.Equal(7, flights.Run("k", 0, (_, _) => 7));
    }

    [Fact]
    public async Task One_caller_giving_up_ends_only_its_own_wait_and_the_producer_is_cancelled_when_all_have()
    {
        var flights = new SingleFlight<string, int>();
        var producerToken = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        Task<int> a = flights.RunAsync("k", 0, async (_, _, token) =>
        {
            producerToken.SetResult(token);
            return await finish.Task.WaitAsync(token);
        }, first.Token).AsTask();
        CancellationToken token = await producerToken.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Task<int> b = flights.RunAsync("k", 0, (_, _, _) => ValueTask.FromResult(-1), second.Token).AsTask();

        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(token.IsCancellationRequested); // b still waits
        Assert.False(b.IsCompleted);
        Assert.Equal(1, flights.Count); // and the flight stays for it: a newcomer would join, not start another

        await second.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(token.IsCancellationRequested); // nobody waits any more: the producer is told
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public async Task A_producer_that_asks_for_its_own_key_gets_an_exception_naming_it_instead_of_waiting_for_itself()
    {
        var flights = new SingleFlight<string, int>();

        InvalidOperationException direct = Assert.Throws<InvalidOperationException>(
            () => flights.Run("self", 0, (key, _) => flights.Run(key, 0, (_, _) => 1)));
        InvalidOperationException through = await Assert.ThrowsAsync<InvalidOperationException>(
            () => flights.RunAsync("a", 0, (_, _, t) => flights.RunAsync("b", 0, (_, _, u) => flights.RunAsync("a", 0, (_, _, _) => ValueTask.FromResult(1), u), t), CancellationToken.None)
                .AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("'self'", direct.Message);
        Assert.Contains("'a'", through.Message);
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public async Task Many_keys_under_many_threads_each_run_one_producer_at_a_time()
    {
        var flights = new SingleFlight<int, int>();
        var running = new Dictionary<int, int>();
        var gate = new Lock();
        int overlaps = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(thread => OnOwnThread(() =>
        {
            var random = new Random(thread);
            for (int i = 0; i < 2000; i++)
            {
                int key = random.Next(16);
                int result = flights.Run(key, key, (k, state) =>
                {
                    lock (gate)
                    {
                        running.TryGetValue(k, out int now);
                        overlaps += now;
                        running[k] = now + 1;
                    }

                    Thread.SpinWait(50);
                    lock (gate)
                    {
                        running[k]--;
                    }

                    return state * 10;
                });
                Assert.Equal(key * 10, result);
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, overlaps);
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public async Task A_caller_that_finds_the_flight_closed_waits_for_it_to_end_then_runs_its_own_and_may_give_up_meanwhile()
    {
        var flights = new SingleFlight<string, int>();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> first = flights.RunAsync("k", 0, async (_, _, _) =>
        {
            SingleFlight<string, int>.CloseLeading(); // its outcome is about to become visible: nobody may join now
            closed.SetResult();
            return await finish.Task;
        }, CancellationToken.None).AsTask();
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        int runs = 0;
        Task<int> second = flights.RunAsync("k", 0, (_, _, _) => ValueTask.FromResult(Interlocked.Increment(ref runs) + 1), CancellationToken.None).AsTask();
        using var giveUp = new CancellationTokenSource();
        Task<int> third = flights.RunAsync("k", 0, (_, _, _) => ValueTask.FromResult(Interlocked.Increment(ref runs) + 100), giveUp.Token).AsTask();
        Assert.False(second.IsCompleted); // neither joined nor ran beside the first
        Assert.False(third.IsCompleted);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, Volatile.Read(ref runs)); // it gave up without starting a producer

        finish.SetResult(1);
        Assert.Equal(1, await first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, await second.WaitAsync(TimeSpan.FromSeconds(30))); // then looked again, and ran its own
        Assert.Equal(1, runs);
        Assert.Equal(0, flights.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_caller_that_comes_as_the_last_waiter_leaves_starts_afresh_rather_than_join_the_abandoned_flight(bool synchronous)
    {
        // The comparer runs the newcomer inside the last waiter's removal of the flight: after the flight was given up,
        // before it left the map, the one moment a caller can find it there.
        var comparer = new HookedComparer();
        var flights = new SingleFlight<string, int>(comparer);
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var giveUp = new CancellationTokenSource();
        Task<int> abandoned = flights.RunAsync("k", 0, async (_, _, token) =>
        {
            started.SetResult(token);
            return await finish.Task; // deaf to its token: it runs on after everyone left
        }, giveUp.Token).AsTask();
        CancellationToken producerToken = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Task<int>? newcomer = null;
        comparer.OnNextHash = () => newcomer = synchronous
            ? Task.FromResult(flights.Run("k", 0, (_, _) => 2))
            : flights.RunAsync("k", 0, (_, _, _) => ValueTask.FromResult(2), CancellationToken.None).AsTask();
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(producerToken.IsCancellationRequested);
        Assert.NotNull(newcomer);
        Assert.Equal(2, await newcomer.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, flights.Count); // taken out, though its producer still runs
        finish.SetResult(1);
    }

    [Fact]
    public async Task A_caller_waiting_on_a_closed_flight_goes_on_when_that_flight_is_given_up_and_cancelled()
    {
        var flights = new SingleFlight<string, int>();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var giveUp = new CancellationTokenSource();
        Task<int> leader = flights.RunAsync("k", 0, async (_, _, token) =>
        {
            SingleFlight<string, int>.CloseLeading();
            closed.SetResult();
            await Task.Delay(Timeout.Infinite, token); // throws once every waiter has left
            return 1;
        }, giveUp.Token).AsTask();
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Task<int> waiting = flights.RunAsync("k", 0, (_, _, _) => ValueTask.FromResult(5), CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted); // a closed flight is waited out, not joined: the leader is its only waiter

        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leader.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(5, await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, flights.Count);
    }

    [Fact]
    public void A_finished_synchronous_flight_leaves_nothing_reachable_from_the_callers_context()
    {
        // The flight that an execution leads is kept in an AsyncLocal while its producer runs; a synchronous caller's
        // context outlives the call, so the flight (and the result it holds) must be taken out of it again.
        var flights = new SingleFlight<string, object>();
        WeakReference result = RunAndDropResult(flights);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(result.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RunAndDropResult(SingleFlight<string, object> flights)
        => new(flights.Run("k", 0, (_, _) => new object()));

    [Fact]
    public async Task Two_callers_that_start_a_flight_for_one_key_at_once_share_one_producer()
    {
        // The comparer runs the second caller inside the first's adding of its flight (the first's second hash: its look
        // for a running flight was the first), so the second adds its flight first and the first must join it.
        var comparer = new HookedComparer { HashesBeforeStep = 1 };
        var flights = new SingleFlight<string, int>(comparer);
        var finish = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;
        Task<int>? second = null;
        comparer.OnNextHash = () => second = flights.RunAsync("k", 0, async (_, _, _) =>
        {
            Interlocked.Increment(ref runs);
            return await finish.Task;
        }, CancellationToken.None).AsTask();

        Task<int> first = flights.RunAsync("k", 0, (_, _, _) => ValueTask.FromResult(Interlocked.Increment(ref runs) + 100), CancellationToken.None).AsTask();
        Assert.NotNull(second);
        Assert.False(first.IsCompleted); // joined the second's flight

        finish.SetResult(7);
        Assert.Equal(7, await first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(7, await second.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, runs);
        Assert.Equal(0, flights.Count);
    }

    /// <summary>Ordinal string equality that runs a step, once, when it hashes a key after skipping <see cref="HashesBeforeStep"/> hashes.</summary>
    private sealed class HookedComparer : IEqualityComparer<string>
    {
        public Action? OnNextHash { get; set; }

        public int HashesBeforeStep { get; set; }

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj)
        {
            if (OnNextHash is not null && HashesBeforeStep-- == 0)
            {
                Action step = OnNextHash;
                OnNextHash = null; // once, and not again for the calls the step makes
                step();
            }

            return StringComparer.Ordinal.GetHashCode(obj);
        }
    }

    /// <summary>Runs a blocking caller on a thread of its own: the thread pool may be starved by other tests' blocked threads.</summary>
    private static Task<T> OnOwnThread<T>(Func<T> caller)
        => Task.Factory.StartNew(caller, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task OnOwnThread(Action caller)
        => Task.Factory.StartNew(caller, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
