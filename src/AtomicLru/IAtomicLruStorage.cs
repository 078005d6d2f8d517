using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;

namespace AtomicLru;

/// <summary>
/// A thread-safe LRU store of object references with optional time to live: the value that comes back
/// is the very instance that was stored, never a copy. Bounded by <see cref="AtomicLruOptions.MaxItems"/>.
/// </summary>
/// <typeparam name="T">The type of the values; <see langword="null"/> values are stored and returned like any other.</typeparam>
/// <remarks>
/// Every member is safe to call from any thread, and each call takes effect atomically. A read hit or a
/// <see cref="Set"/> makes the key the most recently used; when <see cref="AtomicLruOptions.MaxItems"/> is
/// exceeded, the least recently used entry is evicted, never the one being stored. Expired entries are
/// never returned and are reclaimed in the background. Keys are compared ordinally.
/// </remarks>
/// <example>
/// <code>
/// using var storage = new AtomicLruStorage&lt;ExpensiveObject&gt;(new AtomicLruOptions { MaxItems = 100 });
/// var value = new ExpensiveObject();
/// storage.Set("key1", value, TimeSpan.FromSeconds(60));
/// if (storage.TryGet("key1", out var hit))
/// {
///     Debug.Assert(ReferenceEquals(hit, value));
/// }
/// </code>
/// </example>
public interface IAtomicLruStorage<T> : IDisposable
{
    /// <summary>Gets the value stored under <paramref name="key"/>, if it is there and unexpired, and makes the key most recent.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    bool TryGet(string key, [MaybeNullWhen(false)] out T value);

    /// <summary>
    /// Stores <paramref name="value"/> under <paramref name="key"/>, replacing any value there, and makes
    /// the key most recent; evicts the least recently used entries if the storage is then over its limit.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; may be null.</param>
    /// <param name="ttl">Time to live: null for <see cref="AtomicLruOptions.DefaultTtl"/>,
    /// <see cref="Timeout.InfiniteTimeSpan"/> for never, otherwise positive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    void Set(string key, T value, TimeSpan? ttl = null);

    /// <summary>
    /// Returns the value under <paramref name="key"/>, or runs <paramref name="factory"/>, stores its result
    /// and returns it. However many callers race on one key, the factory runs once and they all share its
    /// result; if it throws, nothing is stored and every waiting caller gets the exception. If a value is
    /// stored by another caller while the factory runs, that value wins and is returned.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    T GetOrAdd(string key, Func<string, T> factory, TimeSpan? ttl = null);

    /// <summary>
    /// The asynchronous <see cref="GetOrAdd"/>. The factory gets a token that is cancelled only when every
    /// caller waiting for it has cancelled; one caller's <paramref name="cancellationToken"/> ends that
    /// caller's wait (with <see cref="OperationCanceledException"/>) and nobody else's.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the value came.</exception>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    ValueTask<T> GetOrAddAsync(string key, Func<string, CancellationToken, ValueTask<T>> factory,
                               TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the entry under <paramref name="key"/>; true if an unexpired one was there.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    bool Remove(string key);

    /// <summary>True if an unexpired entry is under <paramref name="key"/>. Does not make the key more recent, and counts as neither hit nor miss.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    bool ContainsKey(string key);

    /// <summary>Entries held now, including expired ones that the background reclaim (about once a second) has not reached yet.</summary>
    int Count { get; }

    /// <summary>Removes every entry.</summary>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    void Clear();

    /// <summary>A snapshot of the hit, miss, count and removal counters.</summary>
    /// <exception cref="ObjectDisposedException">The storage is disposed.</exception>
    AtomicLruStatistics GetStatistics();
}
