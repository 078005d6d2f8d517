using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru;
using AtomicLru.Engine;

namespace AtomicLru.Tests;

/// <summary>GetOrAdd and GetOrAddAsync: one factory run per key, shared results and failures, independent cancellation.</summary>
public sealed class StorageGetOrAddTests
{
    private sealed class Item(string key)
    {
        public string Key { get; } = key;
    }

    [Fact]
    public void Factory_runs_once_per_key_under_eight_racing_threads()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        const int threads = 8;
        for (int round = 0; round < 300; round++)
        {
            string key = "k" + round;
            int runs = 0;
            var results = new Item[threads];
            using var start = new Barrier(threads);
            Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                results[t] = storage.GetOrAdd(key, k =>
                {
                    Interlocked.Increment(ref runs);
                    Thread.SpinWait(2000); // widen the window in which the others arrive
                    return new Item(k);
                });
            })).ToArray();
            Array.ForEach(workers, w => w.Start());
            Array.ForEach(workers, w => w.Join());

            Assert.Equal(1, runs);
            Assert.All(results, r => Assert.Same(results[0], r));
        }

        Assert.Equal(300, storage.Count);
    }

    [Fact]
    public async Task Async_factory_runs_once_per_key_and_every_caller_shares_its_result()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        for (int round = 0; round < 100; round++)
        {
            int runs = 0;
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<Item>[] callers = Enumerable.Range(0, 32).Select(_ => Task.Run(() => storage.GetOrAddAsync("k" + round, async (k, ct) =>
            {
                Interlocked.Increment(ref runs);
                await gate.Task;
                return new Item(k);
            }).AsTask())).ToArray();

            // Callers that arrive after the flight ended find the stored value: still one run.
            SpinWait.SpinUntil(() => Volatile.Read(ref runs) == 1);
            gate.SetResult();
            Item[] results = await Task.WhenAll(callers);
            Assert.Equal(1, runs);
            Assert.All(results, r => Assert.Same(results[0], r));
        }
    }

    [Fact]
    public void A_throwing_factory_stores_nothing_and_every_waiter_sees_its_exception()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions { MaxItems = 10 });
        storage.Set("other", new Item("other"));
        using var release = new ManualResetEventSlim();
        int runs = 0;
        var errors = new ConcurrentBag<Exception>();
        Thread[] callers = Enumerable.Range(0, 6).Select(_ => new Thread(() =>
        {
            try
            {
                storage.GetOrAdd("k", _ =>
                {
                    Interlocked.Increment(ref runs);
                    release.Wait();
                    throw new InvalidOperationException("boom");
                });
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        })).ToArray();
        Array.ForEach(callers, c => c.Start());
        SpinWait.SpinUntil(() => runs == 1);
        Thread.SpinWait(100_000); // give the other callers time to join the running flight
        release.Set();
        Array.ForEach(callers, c => c.Join());

        Assert.Equal(6, errors.Count);
        Assert.All(errors, e => Assert.Equal("boom", Assert.IsType<InvalidOperationException>(e).Message));
        Assert.False(storage.ContainsKey("k"));
        Assert.Equal(1, storage.Count);
        Assert.True(runs >= 1);

        // The failure is not cached: the next call runs the factory again.
        Item item = storage.GetOrAdd("k", k => new Item(k));
        Assert.Equal("k", item.Key);
        Assert.Equal(2, storage.Count);
    }

    [Fact]
    public async Task A_throwing_async_factory_stores_nothing_and_every_waiter_sees_its_exception()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;
        Task<Item>[] callers = Enumerable.Range(0, 8).Select(_ => storage.GetOrAddAsync("k", async (k, ct) =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            throw new InvalidOperationException("boom");
        }).AsTask()).ToArray();

        gate.SetResult();
        foreach (Task<Item> caller in callers)
        {
            InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => caller);
            Assert.Equal("boom", error.Message);
        }

        Assert.Equal(1, runs);
        Assert.Equal(0, storage.Count);
        Assert.False(storage.TryGet("k", out _));
    }

    [Fact]
    public async Task Cancelling_one_waiter_does_not_cancel_the_others_or_the_factory()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken factoryToken = default;
        using var leaderCancellation = new CancellationTokenSource();

        // The first caller leads: the factory starts on its call.
        ValueTask<Item> leader = storage.GetOrAddAsync("k", async (k, ct) =>
        {
            factoryToken = ct;
            await gate.Task;
            return new Item(k);
        }, cancellationToken: leaderCancellation.Token);
        ValueTask<Item> follower = storage.GetOrAddAsync("k", (k, ct) => throw new InvalidOperationException("not run"));

        await leaderCancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leader.AsTask());
        Assert.False(factoryToken.IsCancellationRequested);

        gate.SetResult();
        Item item = await follower;
        Assert.Equal("k", item.Key);
        Assert.True(storage.TryGet("k", out Item? stored));
        Assert.Same(item, stored);
    }

    [Fact]
    public async Task When_every_waiter_cancels_the_factory_token_is_cancelled_and_nothing_is_stored()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var factoryCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Func<string, CancellationToken, ValueTask<Item>> factory = async (k, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                factoryCancelled.TrySetResult();
                throw;
            }

            return new Item(k);
        };
        ValueTask<Item> a = storage.GetOrAddAsync("k", factory, cancellationToken: first.Token);
        ValueTask<Item> b = storage.GetOrAddAsync("k", factory, cancellationToken: second.Token);

        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.AsTask());
        Assert.False(factoryCancelled.Task.IsCompleted);

        await second.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.AsTask());
        await factoryCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(storage.ContainsKey("k"));

        // A new caller after the abandoned flight starts a fresh factory.
        Item item = await storage.GetOrAddAsync("k", (k, ct) => ValueTask.FromResult(new Item(k)));
        Assert.Equal("k", item.Key);
    }

    [Fact]
    public async Task An_already_cancelled_token_throws_before_anything_runs()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        bool ran = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storage.GetOrAddAsync("k", (k, ct) =>
        {
            ran = true;
            return ValueTask.FromResult(new Item(k));
        }, cancellationToken: cancelled.Token).AsTask());
        Assert.False(ran);

        // A key already held too: the call is cancelled, as it would be had it waited for a factory.
        storage.Set("held", new Item("held"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storage.GetOrAddAsync("held", (k, ct) =>
        {
            ran = true;
            return ValueTask.FromResult(new Item(k));
        }, cancellationToken: cancelled.Token).AsTask());
        Assert.False(ran);
    }

    [Fact]
    public async Task A_caller_that_comes_while_the_factory_runs_shares_its_failure_and_runs_no_factory_of_its_own()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        await GetOrAddScenarios.A_caller_that_comes_while_the_factory_runs_shares_its_failure(Face(storage));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_caller_that_comes_after_a_value_just_stored_was_removed_does_not_get_it(bool asynchronous)
        => GetOrAddScenarios.A_caller_after_a_just_stored_value_was_removed_does_not_get_it(onRemoved =>
        {
            var storage = new AtomicLruStorage<Item>(new AtomicLruOptions { MaxItems = 1 }, timeProvider: null, new Listener(onRemoved));
            return (Face(storage), storage);
        }, asynchronous);

    private static GetOrAddFace<Item> Face(AtomicLruStorage<Item> storage) => new(
        (key, factory) => storage.GetOrAdd(key, factory),
        (key, factory) => storage.GetOrAddAsync(key, factory).AsTask(),
        (key, value) => storage.Set(key, value),
        storage.Remove,
        key => storage.TryGet(key, out Item? value) ? value : null,
        name => new Item(name),
        item => item.Key);

    [Fact]
    public async Task A_hit_through_GetOrAddAsync_allocates_nothing()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        storage.Set("k", new Item("k"));
        Func<string, CancellationToken, ValueTask<Item>> factory = static (k, _) => ValueTask.FromResult(new Item(k));
        Item held = await storage.GetOrAddAsync("k", factory); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        int same = 0;
        for (int i = 0; i < 100; i++)
        {
            same += ReferenceEquals(await storage.GetOrAddAsync("k", factory), held) ? 1 : 0; // completed at once: no suspension
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(100, same);
    }

    private sealed class Listener(Action<string> onRemoved) : IRemovalListener<string, Item>
    {
        public void OnRemoved(string key, Item value, long size, RemovalReason reason) => onRemoved(key);
    }

    [Fact]
    public void A_value_set_while_the_factory_runs_wins()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        var set = new Item("set");
        Item result = storage.GetOrAdd("k", k =>
        {
            storage.Set(k, set); // another writer gets there first
            return new Item("factory");
        });

        Assert.Same(set, result);
        Assert.True(storage.TryGet("k", out Item? stored));
        Assert.Same(set, stored);
    }

    [Fact]
    public void GetOrAdd_applies_its_ttl_and_counts_a_miss_then_a_hit()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions(), time);
        storage.GetOrAdd("k", k => new Item(k), TimeSpan.FromSeconds(10));
        storage.GetOrAdd("k", k => throw new InvalidOperationException("cached"), TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(storage.ContainsKey("k"));

        AtomicLruStatistics stats = storage.GetStatistics();
        Assert.Equal(1, stats.Hits);
        Assert.Equal(1, stats.Misses);
    }

    [Fact]
    public async Task GetOrAddAsync_takes_a_Task_returning_loader_and_an_async_lambda_still_binds_to_the_ValueTask_overload()
    {
        using var storage = new AtomicLruStorage<Item>(new AtomicLruOptions());
        int runs = 0;
        Task<Item> LoadAsync(string key, CancellationToken ct)
        {
            runs++;
            return Task.FromResult(new Item(key));
        }

        Item loaded = await storage.GetOrAddAsync("k", LoadAsync);
        Item again = await storage.GetOrAddAsync("k", async (key, ct) =>
        {
            await Task.Yield();
            runs++;
            return new Item("never");
        });
        IAtomicLruStorage<Item> asInterface = storage;

        Assert.Same(loaded, again);
        Assert.Same(loaded, await asInterface.GetOrAddAsync("k", LoadAsync));
        Assert.Equal(1, runs);
        Assert.Throws<ArgumentNullException>(() => { _ = storage.GetOrAddAsync("k", (Func<string, CancellationToken, Task<Item>>)null!).AsTask(); });
    }
}
