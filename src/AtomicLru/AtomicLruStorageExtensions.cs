using System;
using System.Threading;
using System.Threading.Tasks;

namespace AtomicLru;

/// <summary>Conveniences over <see cref="IAtomicLruStorage{T}"/>.</summary>
public static class AtomicLruStorageExtensions
{
    /// <summary>
    /// <see cref="IAtomicLruStorage{T}.GetOrAddAsync"/> for a factory that returns a <see cref="Task{TResult}"/>, such as a
    /// data-access method: <c>storage.GetOrAddAsync($"report:{id}", (key, ct) =&gt; reports.BuildAsync(id, ct))</c>.
    /// An <c>async</c> lambda binds to the <see cref="ValueTask{TResult}"/> overload, as before.
    /// </summary>
    /// <remarks>Wrapping the factory costs one small allocation per call, hit or miss; the
    /// <see cref="ValueTask{TResult}"/> overload allocates nothing on a hit.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/>, <paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the value came.</exception>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    public static ValueTask<T> GetOrAddAsync<T>(this IAtomicLruStorage<T> storage, string key, Func<string, CancellationToken, Task<T>> factory,
                                                TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(factory);
        return storage.GetOrAddAsync(key, (k, token) => new ValueTask<T>(factory(k, token)), ttl, cancellationToken);
    }
}
