using System;
using System.Threading;
using System.Threading.Tasks;

namespace AtomicLru;

/// <summary>Conveniences over <see cref="IAtomicLruCache"/>.</summary>
public static class AtomicLruCacheExtensions
{
    /// <summary>
    /// <see cref="IAtomicLruCache.GetOrAddAsync{T}"/> for a factory that returns a <see cref="Task{TResult}"/>, such as a
    /// data-access method: <c>cache.GetOrAddAsync($"product:{id}", (key, ct) =&gt; db.LoadProductAsync(id, ct))</c>.
    /// An <c>async</c> lambda binds to the <see cref="ValueTask{TResult}"/> overload, as before.
    /// </summary>
    /// <remarks>Wrapping the factory costs one small allocation per call, hit or miss; the
    /// <see cref="ValueTask{TResult}"/> overload allocates nothing on a hit.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/>, <paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the value came.</exception>
    /// <exception cref="AtomicLruSerializationException">The serializer failed.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    public static ValueTask<T> GetOrAddAsync<T>(this IAtomicLruCache cache, string key, Func<string, CancellationToken, Task<T>> factory,
                                                TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(factory);
        return cache.GetOrAddAsync(key, (k, token) => new ValueTask<T>(factory(k, token)), ttl, cancellationToken);
    }
}
