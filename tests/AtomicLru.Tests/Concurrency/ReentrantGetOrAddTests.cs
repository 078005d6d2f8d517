using System;
using System.Threading.Tasks;

namespace AtomicLru.Tests;

/// <summary>A factory that asks for its own key gets a clear exception instead of waiting for itself forever.</summary>
public sealed class ReentrantGetOrAddTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30); // a failure, not a wait for expiry

    [Fact]
    public async Task Storage_GetOrAdd_called_from_its_own_factory_throws_naming_the_key()
    {
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => storage.GetOrAdd("report:7", key => storage.GetOrAdd(key, _ => 1))).WaitAsync(Hang));
        Assert.Contains("report:7", error.Message, StringComparison.Ordinal);

        Assert.Equal(2, storage.GetOrAdd("report:7", _ => 2)); // nothing was stored, and the key is not stuck
    }

    [Fact]
    public async Task Storage_GetOrAdd_reached_again_through_another_key_throws()
    {
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions());
        await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(
            () => storage.GetOrAdd("a", _ => storage.GetOrAdd("b", _ => storage.GetOrAdd("a", _ => 1)))).WaitAsync(Hang));
        Assert.Equal(5, storage.GetOrAdd("b", _ => storage.GetOrAdd("a", _ => 5))); // nesting other keys is fine
    }

    [Fact]
    public async Task Storage_GetOrAddAsync_awaiting_its_own_key_throws()
    {
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.GetOrAddAsync("k", async (key, token) =>
        {
            await Task.Yield();
            return await storage.GetOrAddAsync(key, (_, _) => ValueTask.FromResult(1), cancellationToken: token);
        }).AsTask().WaitAsync(Hang));
        Assert.Contains("'k'", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, await storage.GetOrAddAsync("k", (_, _) => ValueTask.FromResult(3)));
    }

    [Fact]
    public async Task Cache_GetOrAdd_called_from_its_own_factory_throws_sync_and_async()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions());
        await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => cache.GetOrAdd("k", key => cache.GetOrAdd(key, _ => 1))).WaitAsync(Hang));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await cache.GetOrAddAsync("k", async (key, token) =>
            await cache.GetOrAddAsync(key, (_, _) => ValueTask.FromResult(1), cancellationToken: token)).AsTask().WaitAsync(Hang));
        Assert.Equal(4, cache.GetOrAdd("k", _ => 4));
    }
}
