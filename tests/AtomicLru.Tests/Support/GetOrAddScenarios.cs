using System;
using System.Threading;
using System.Threading.Tasks;

namespace AtomicLru.Tests;

/// <summary>The calls a GetOrAdd scenario makes on a face: <see cref="AtomicLruStorage{T}"/> and <see cref="AtomicLruCache"/> keep the same ones.</summary>
/// <param name="GetOrAdd">The synchronous GetOrAdd.</param>
/// <param name="GetOrAddAsync">GetOrAddAsync, as a task.</param>
/// <param name="Set">Stores a value.</param>
/// <param name="Remove">Removes a key; true if it was there.</param>
/// <param name="Get">The value held under a key, or null.</param>
/// <param name="Make">A value that carries a name.</param>
/// <param name="Name">The name a value carries.</param>
internal sealed record GetOrAddFace<T>(
    Func<string, Func<string, T>, T> GetOrAdd,
    Func<string, Func<string, CancellationToken, ValueTask<T>>, Task<T>> GetOrAddAsync,
    Action<string, T> Set,
    Func<string, bool> Remove,
    Func<string, T?> Get,
    Func<string, T> Make,
    Func<T, string> Name)
    where T : class;

/// <summary>GetOrAdd scenarios that every face must pass, written once.</summary>
internal static class GetOrAddScenarios
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>A caller that comes while a synchronous factory runs joins it, shares its failure and runs no factory of its own.</summary>
    internal static async Task A_caller_that_comes_while_the_factory_runs_shares_its_failure<T>(GetOrAddFace<T> face)
        where T : class
    {
        using var running = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Task<T> leader = Task.Factory.StartNew(() => face.GetOrAdd("k", _ =>
        {
            running.Set();
            release.Wait(Patience);
            throw new InvalidOperationException("boom");
        }), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(running.Wait(Patience));

        bool ran = false;
        Task<T> joiner = face.GetOrAddAsync("k", (k, _) =>
        {
            ran = true;
            return ValueTask.FromResult(face.Make(k));
        });
        Assert.False(joiner.IsCompleted); // it joined the running factory
        release.Set();

        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => leader.WaitAsync(Patience))).Message);
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => joiner.WaitAsync(Patience))).Message);
        Assert.False(ran);
        Assert.Null(face.Get("k"));
    }

    /// <summary>
    /// The leader's store evicts another entry, and the removal listener runs inside the leader's flight, after the store:
    /// there the value is removed and a new caller comes. It started after the removal, so the removed value is not its
    /// answer: it waits for the flight to end and runs its own factory. The newcomer runs on the listener's thread, at
    /// once, but in a context of its own (another request's, not the leader's, which would make it a factory asking for
    /// its own key).
    /// </summary>
    /// <param name="create">Makes the face, holding one entry, with a removal listener that calls the action given with the key removed.</param>
    /// <param name="asynchronous">Whether the leader uses GetOrAddAsync.</param>
    internal static async Task A_caller_after_a_just_stored_value_was_removed_does_not_get_it<T>(
        Func<Action<string>, (GetOrAddFace<T> Face, IDisposable Owner)> create, bool asynchronous)
        where T : class
    {
        ExecutionContext elsewhere = ExecutionContext.Capture()!;
        Task<T>? newcomer = null;
        GetOrAddFace<T>? face = null;
        (GetOrAddFace<T> created, IDisposable owner) = create(key =>
        {
            if (key == "other")
            {
                Assert.True(face!.Remove("k"));
                ExecutionContext.Run(elsewhere, _ => newcomer = face.GetOrAddAsync("k", (_, _) => ValueTask.FromResult(face.Make("fresh"))), null);
            }
        });
        using (owner)
        {
            face = created;
            face.Set("other", face.Make("other"));

            T led = asynchronous
                ? await face.GetOrAddAsync("k", async (_, _) =>
                {
                    await Task.Yield();
                    return face.Make("stored");
                }).WaitAsync(Patience)
                : face.GetOrAdd("k", _ => face.Make("stored"));

            Assert.Equal("stored", face.Name(led));
            Assert.NotNull(newcomer);
            Assert.Equal("fresh", face.Name(await newcomer.WaitAsync(Patience)));
            Assert.Equal("fresh", face.Get("k") is T held ? face.Name(held) : null);
        }
    }
}
