using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;

namespace AtomicLru.Extensions;

/// <summary>
/// <see cref="IDistributedCache"/> (with the buffer paths of <see cref="IBufferDistributedCache"/>) over an
/// <see cref="AtomicLruCache"/>: a drop-in for <c>MemoryDistributedCache</c> with LRU eviction under an honest
/// byte limit. Both faces share the same entries and bytes: a string stored with
/// <c>AtomicLruCache.Set&lt;string&gt;</c> reads back with <c>GetString</c>, and the other way round.
/// </summary>
/// <remarks>
/// <para>Expiration follows <c>MemoryDistributedCache</c>: <see cref="DistributedCacheEntryOptions.AbsoluteExpiration"/>
/// and <see cref="DistributedCacheEntryOptions.AbsoluteExpirationRelativeToNow"/> together: the earlier wins;
/// <see cref="DistributedCacheEntryOptions.SlidingExpiration"/> is renewed by <see cref="Get"/> and
/// <see cref="Refresh"/> and never extends past the absolute expiration; an absolute expiration already past
/// stores nothing and removes the older value. With no expiration at all, the cache's
/// <see cref="AtomicLruOptions.DefaultTtl"/> applies.</para>
/// <para><c>Set</c> stores a copy of the value. <see cref="Get"/> returns the stored array itself,
/// without a copy (as <c>MemoryDistributedCache</c> does): treat it as read-only.</para>
/// <para>The async methods complete synchronously; a token already cancelled throws <see cref="OperationCanceledException"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// var cache = new AtomicLruDistributedCache(new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 64 * 1024 * 1024 }));
/// await cache.SetStringAsync("greeting", "hello", new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) });
/// string? greeting = await cache.GetStringAsync("greeting");
/// </code>
/// </example>
public sealed class AtomicLruDistributedCache : IBufferDistributedCache
{
    private static readonly Task<byte[]?> NullResult = Task.FromResult<byte[]?>(null);

    private readonly AtomicLruCache _cache;
    private readonly TimeProvider _time;

    /// <summary>Creates the distributed-cache face of <paramref name="cache"/>, whose limits, clock and entries it shares.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> is null.</exception>
    public AtomicLruDistributedCache(AtomicLruCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _time = cache.TimeProvider;
    }

    /// <summary>The cache behind this face.</summary>
    public AtomicLruCache Cache => _cache;

    /// <inheritdoc />
    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _cache.TryGetPayload(key);
    }

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        byte[]? value = _cache.TryGetPayload(key);
        return value is null ? NullResult : Task.FromResult<byte[]?>(value);
    }

    /// <inheritdoc />
    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        byte[]? value = _cache.TryGetPayload(key);
        if (value is null)
        {
            return false;
        }

        destination.Write(value);
        return true;
    }

    /// <inheritdoc />
    public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        token.ThrowIfCancellationRequested();
        return new ValueTask<bool>(TryGet(key, destination));
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        Store(key, value.AsSpan().ToArray(), options);
    }

    // RS0026 (two overloads with optional parameters): the signatures are IDistributedCache's and IBufferDistributedCache's.
#pragma warning disable RS0026
    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        Store(key, value.AsSpan().ToArray(), options);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        Store(key, value.ToArray(), options);
    }

#pragma warning disable RS0026 // as above
    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        Store(key, value.ToArray(), options);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _cache.Refresh(key);
    }

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        _cache.Refresh(key);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _cache.Remove(key);
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        _cache.Remove(key);
        return Task.CompletedTask;
    }

    private void Store(string key, byte[] payload, DistributedCacheEntryOptions options)
    {
        if (!EntryExpiry.TryResolve(options.AbsoluteExpiration, options.AbsoluteExpirationRelativeToNow, options.SlidingExpiration, _time, _cache.Options, out EntryExpiry expiry))
        {
            _cache.Remove(key); // already expired: not stored, and the older value would be stale
            return;
        }

        _cache.SetPayload(key, payload, expiry.Ttl, expiry.Sliding);
    }
}
