using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;

namespace AtomicLru.Benchmarks.MultiNode;

/// <summary>An L2 that counts its calls: each is one round trip to Redis.</summary>
internal sealed class CountingDistributedCache(IBufferDistributedCache inner) : IBufferDistributedCache
{
    private long _calls;

    internal long Calls => Interlocked.Read(ref _calls);

    private void Tick() => Interlocked.Increment(ref _calls);

    private T Count<T>(T result)
    {
        Tick();
        return result;
    }

    public byte[]? Get(string key) => Count(inner.Get(key));

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Count(inner.GetAsync(key, token));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) { Tick(); inner.Set(key, value, options); }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        => Count(inner.SetAsync(key, value, options, token));

    public void Refresh(string key) { Tick(); inner.Refresh(key); }

    public Task RefreshAsync(string key, CancellationToken token = default) => Count(inner.RefreshAsync(key, token));

    public void Remove(string key) { Tick(); inner.Remove(key); }

    public Task RemoveAsync(string key, CancellationToken token = default) => Count(inner.RemoveAsync(key, token));

    public bool TryGet(string key, IBufferWriter<byte> destination) => Count(inner.TryGet(key, destination));

    public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        Tick();
        return inner.TryGetAsync(key, destination, token);
    }

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) { Tick(); inner.Set(key, value, options); }

    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Tick();
        return inner.SetAsync(key, value, options, token);
    }
}
