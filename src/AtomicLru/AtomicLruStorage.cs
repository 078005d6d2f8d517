using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru.Concurrency;
using AtomicLru.Engine;

namespace AtomicLru;

/// <summary>
/// The low-level face of AtomicLru: a thread-safe LRU store of references with optional time to live.
/// See <see cref="IAtomicLruStorage{T}"/> for the contract.
/// </summary>
/// <typeparam name="T">The type of the values.</typeparam>
/// <example>
/// <code>
/// var options = new AtomicLruOptions { MaxItems = 100, DefaultTtl = TimeSpan.FromHours(1) };
/// using var storage = new AtomicLruStorage&lt;ExpensiveObject&gt;(options);
/// ExpensiveObject report = storage.GetOrAdd("report:42", key => ExpensiveObject.Build(key));
/// </code>
/// </example>
public class AtomicLruStorage<T> : IAtomicLruStorage<T>
{
    private volatile AtomicLruOptions _options; // replaced whole by Reconfigure: a call reads one version
    private readonly LruEngine<string, T> _engine;
    private readonly SingleFlight<string, T> _flights = new(StringComparer.Ordinal);

    /// <summary>Creates a storage with these limits; <see cref="AtomicLruOptions.SizeLimitInBytes"/> does not apply to references.</summary>
    /// <param name="options">The limits and expiry settings; read once, here.</param>
    /// <param name="timeProvider">Where time comes from; null for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException"><paramref name="timeProvider"/> has a <see cref="TimeProvider.TimestampFrequency"/> that is not positive.</exception>
    public AtomicLruStorage(AtomicLruOptions options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, listener: null)
    {
    }

    internal AtomicLruStorage(AtomicLruOptions options, TimeProvider? timeProvider, IRemovalListener<string, T>? listener)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.ValidatedCopy();
        _engine = new LruEngine<string, T>(
            _options.MaxItems, maxSize: null, timeProvider, _options.ExpirationScanFrequency, StringComparer.Ordinal, listener,
            ownerName: $"AtomicLru.AtomicLruStorage<{typeof(T).Name}>",
            evictionPolicy: _options.EvictionPolicy);
    }

    /// <inheritdoc />
    public int Count
    {
        get
        {
            ThrowIfDisposed();
            return _engine.Count;
        }
    }

    internal LruEngine<string, T> Engine => _engine;

    /// <summary>
    /// Applies new options to the running storage: a smaller <see cref="AtomicLruOptions.MaxItems"/> evicts the least
    /// recently used entries before this returns; <see cref="AtomicLruOptions.DefaultTtl"/> applies to entries written
    /// from now on. The dependency injection provider calls this when its options are reloaded.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; nothing changed.</exception>
    internal void Reconfigure(AtomicLruOptions options)
    {
        AtomicLruOptions copy = options.ValidatedCopy();
        _engine.Reconfigure(copy.MaxItems, maxSize: null, maxItemSize: null, copy.ExpirationScanFrequency);
        _options = copy;
    }

    /// <inheritdoc />
    public bool TryGet(string key, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _engine.TryGet(key, out value);
    }

    /// <inheritdoc />
    public void Set(string key, T value, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        _engine.Set(key, value, _options.ResolveTtl(ttl), size: 0);
    }

    /// <inheritdoc />
    public T GetOrAdd(string key, Func<string, T> factory, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        AtomicLruOptions.ThrowIfBadTtl(ttl); // a bad TTL throws on a hit too; the default is looked up only on a miss
        return _engine.TryGet(key, out T? value) ? value : AddOnce(key, factory, _options.ResolveTtl(ttl));
    }

    /// <summary>The miss path of <see cref="GetOrAdd"/>: one factory call per key however many callers race.</summary>
    private T AddOnce(string key, Func<string, T> factory, TimeSpan resolvedTtl)
    {
        return _flights.Run(key, (this, factory, resolvedTtl), static (key, state) =>
        {
            (AtomicLruStorage<T> self, Func<string, T> factory, TimeSpan ttl) = state;
            SingleFlight<string, T>.CloseLeading(); // the outcome becomes visible at the lookup or at the store: see CloseLeading
            if (self._engine.TryGetUncounted(key, out T? stored))
            {
                return stored;
            }

            SingleFlight<string, T>.ReopenLeading();
            T created = factory(key);
            SingleFlight<string, T>.CloseLeading();
            return self._engine.GetOrAdd(key, created, ttl, size: 0);
        });
    }

    /// <inheritdoc />
    public ValueTask<T> GetOrAddAsync(string key, Func<string, CancellationToken, ValueTask<T>> factory,
                                      TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        AtomicLruOptions.ThrowIfBadTtl(ttl);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        if (_engine.TryGet(key, out T? value))
        {
            return new ValueTask<T>(value);
        }

        return _flights.RunAsync(key, (this, factory, _options.ResolveTtl(ttl)), static async (key, state, token) =>
        {
            (AtomicLruStorage<T> self, Func<string, CancellationToken, ValueTask<T>> factory, TimeSpan ttl) = state;
            SingleFlight<string, T>.CloseLeading(); // the outcome becomes visible at the lookup or at the store: see CloseLeading
            if (self._engine.TryGetUncounted(key, out T? stored))
            {
                return stored;
            }

            SingleFlight<string, T>.ReopenLeading();
            T created = await factory(key, token).ConfigureAwait(false);
            SingleFlight<string, T>.CloseLeading();
            return self._engine.GetOrAdd(key, created, ttl, size: 0);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _engine.Remove(key);
    }

    /// <inheritdoc />
    public bool ContainsKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _engine.ContainsKey(key);
    }

    /// <inheritdoc />
    public void Clear() => _engine.Clear();

    /// <inheritdoc />
    public AtomicLruStatistics GetStatistics() => _engine.GetCounters().ToStatistics();

    /// <summary>Stops the background reclaim and drops every entry. Later calls throw <see cref="ObjectDisposedException"/>; disposing again does nothing.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the engine when <paramref name="disposing"/> is true.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _engine.Dispose();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_engine.IsDisposed, this);
}
