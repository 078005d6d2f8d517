using System;
using System.Collections.Generic;
using System.Linq;
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

    /// <summary>Runs a blocking caller on a thread of its own: the thread pool may be starved by other tests' blocked threads.</summary>
    private static Task<T> OnOwnThread<T>(Func<T> caller)
        => Task.Factory.StartNew(caller, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task OnOwnThread(Action caller)
        => Task.Factory.StartNew(caller, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
