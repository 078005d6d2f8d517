using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;

namespace AtomicLru;

/// <summary>
/// A thread-safe LRU cache of serialized values with optional time to live, bounded by
/// <see cref="AtomicLruOptions.SizeLimitInBytes"/> (counting payload, key and each entry's bookkeeping) and
/// <see cref="AtomicLruOptions.MaxItems"/>. Values go in as any type and come back as copies, through an
/// <see cref="IAtomicLruSerializer"/>.
/// </summary>
/// <remarks>
/// Every member is safe to call from any thread, and each call takes effect atomically. A read hit or a
/// <c>Set</c> makes the key most recent; to make room, expired entries go first, then the least recently
/// used, never the entry being stored. A value larger than <see cref="AtomicLruOptions.MaxItemSizeInBytes"/>
/// is not stored, and the older value under its key is removed (it would be stale); the statistics count it.
/// <see langword="null"/> is stored as a value like any other. Keys are compared ordinally.
/// </remarks>
/// <example>
/// <code>
/// using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 1_000_000, DefaultTtl = TimeSpan.FromHours(1) });
/// cache.Set("user:123", new User("Alice", 30), ttl: TimeSpan.FromSeconds(60));
/// if (cache.TryGet("user:123", out User? user))
/// {
///     Console.WriteLine(user.Name);
/// }
/// </code>
/// </example>
public interface IAtomicLruCache : IDisposable
{
    /// <summary>Serializes and stores <paramref name="value"/> under <paramref name="key"/>, replacing any value there.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; may be null.</param>
    /// <param name="ttl">Time to live: null for <see cref="AtomicLruOptions.DefaultTtl"/>,
    /// <see cref="Timeout.InfiniteTimeSpan"/> for never, otherwise positive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="AtomicLruSerializationException">The serializer failed; the cache is unchanged.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    void Set<T>(string key, T value, TimeSpan? ttl = null);

    /// <summary>Gets and deserializes the value under <paramref name="key"/>, if it is there and unexpired, and makes the key most recent.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="AtomicLruSerializationException">The stored bytes could not be read as a <typeparamref name="T"/>.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value);

    /// <summary>
    /// Returns the value under <paramref name="key"/>, or runs <paramref name="factory"/>, stores its result
    /// and returns it. However many callers race on one key, the factory runs once; the caller that ran it
    /// gets its result, the others a deserialized copy. If it throws, nothing is stored and every waiting
    /// caller gets the exception.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="AtomicLruSerializationException">The serializer failed.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    T GetOrAdd<T>(string key, Func<string, T> factory, TimeSpan? ttl = null);

    /// <summary>
    /// The asynchronous <see cref="GetOrAdd{T}"/>. The factory gets a token that is cancelled only when every
    /// caller waiting for it has cancelled; one caller's <paramref name="cancellationToken"/> ends only that caller's wait.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the value came.</exception>
    /// <exception cref="AtomicLruSerializationException">The serializer failed.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    ValueTask<T> GetOrAddAsync<T>(string key, Func<string, CancellationToken, ValueTask<T>> factory,
                                  TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Stores a copy of <paramref name="value"/> as the raw bytes under <paramref name="key"/>, replacing any value there.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative (and not infinite).</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    void SetBytes(string key, ReadOnlySpan<byte> value, TimeSpan? ttl = null);

    /// <summary>Writes the raw bytes under <paramref name="key"/> to <paramref name="destination"/>, if an unexpired entry is there (a stored null writes nothing).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="destination"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    bool TryGetBytes(string key, IBufferWriter<byte> destination);

    /// <summary>Removes the entry under <paramref name="key"/>; true if an unexpired one was there.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    bool Remove(string key);

    /// <summary>True if an unexpired entry is under <paramref name="key"/>. Does not make the key more recent, and counts as neither hit nor miss.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    bool ContainsKey(string key);

    /// <summary>Entries held now, including expired ones that the background reclaim (about once a second) has not reached yet.</summary>
    int Count { get; }

    /// <summary>Bytes charged against <see cref="AtomicLruOptions.SizeLimitInBytes"/> now: payload, key and bookkeeping of every entry held.</summary>
    long SizeInBytes { get; }

    /// <summary>Removes every entry; <see cref="SizeInBytes"/> goes back to 0.</summary>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    void Clear();

    /// <summary>A snapshot of the hit, miss, count, size and removal counters.</summary>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    AtomicLruStatistics GetStatistics();
}
