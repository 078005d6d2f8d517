using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using AtomicLru.Concurrency;
using AtomicLru.Engine;

namespace AtomicLru;

/// <summary>
/// The high-level face of AtomicLru: values are serialized to bytes and the cache keeps within an honest
/// byte limit. See <see cref="IAtomicLruCache"/> for the contract.
/// </summary>
/// <example>
/// <code>
/// var options = new AtomicLruOptions { SizeLimitInBytes = 100 * 1024 * 1024, DefaultTtl = TimeSpan.FromMinutes(5) };
/// using var cache = new AtomicLruCache(options);
/// Product product = await cache.GetOrAddAsync($"product:{id}", (key, ct) => db.LoadProductAsync(id, ct));
/// </code>
/// </example>
public class AtomicLruCache : IAtomicLruCache
{
    /// <summary>The payload of a stored null: told apart from an empty value by reference, so it must not be
    /// <see cref="Array.Empty{T}"/> (which an empty <c>SetBytes</c> stores).</summary>
#pragma warning disable CA1825 // a distinct instance is the point
    private static readonly byte[] NullPayload = new byte[0];
#pragma warning restore CA1825

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_writer;

    private volatile AtomicLruOptions _options; // replaced whole by Reconfigure: a call reads one version
    private readonly IAtomicLruSerializer _serializer;
    private readonly LruEngine<string, byte[]> _engine;
    private readonly SingleFlight<string, byte[]> _flights = new(StringComparer.Ordinal);

    /// <summary>Creates a cache with these limits.</summary>
    /// <param name="options">The limits and expiry settings; read once, here.</param>
    /// <param name="serializer">How values become bytes; null for <see cref="AtomicLruJsonSerializer.Default"/>.</param>
    /// <param name="timeProvider">Where time comes from; null for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException"><paramref name="timeProvider"/> has a <see cref="TimeProvider.TimestampFrequency"/> that is not positive.</exception>
    public AtomicLruCache(AtomicLruOptions options, IAtomicLruSerializer? serializer = null, TimeProvider? timeProvider = null)
        : this(options, serializer, timeProvider, listener: null)
    {
    }

    internal AtomicLruCache(AtomicLruOptions options, IAtomicLruSerializer? serializer, TimeProvider? timeProvider, IRemovalListener<string, byte[]>? listener)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.ValidatedCopy();
        _serializer = serializer ?? AtomicLruJsonSerializer.Default;
        _engine = new LruEngine<string, byte[]>(
            _options.MaxItems,
            _options.SizeLimitInBytes,
            timeProvider,
            _options.ExpirationScanFrequency,
            StringComparer.Ordinal,
            listener,
            _options.EffectiveMaxItemSizeInBytes,
            ownerName: typeof(AtomicLruCache).FullName,
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

    /// <inheritdoc />
    public long SizeInBytes
    {
        get
        {
            ThrowIfDisposed();
            return _engine.Size;
        }
    }

    /// <summary>The engine, for tests that check its invariants.</summary>
    internal LruEngine<string, byte[]> Engine => _engine;

    /// <inheritdoc />
    public void Set<T>(string key, T value, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        TimeSpan resolvedTtl = _options.ResolveTtl(ttl);
        ThrowIfDisposed();
        SetPayload(key, Serialize(key, value), resolvedTtl);
    }

    /// <inheritdoc />
    public bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_engine.TryGet(key, out byte[]? payload))
        {
            value = default;
            return false;
        }

        value = Deserialize<T>(key, payload);
        return true;
    }

    /// <inheritdoc />
    public T GetOrAdd<T>(string key, Func<string, T> factory, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        TimeSpan resolvedTtl = _options.ResolveTtl(ttl);
        if (_engine.TryGet(key, out byte[]? payload))
        {
            return Deserialize<T>(key, payload);
        }

        var flight = new Produced<T>(this, resolvedTtl);
        payload = _flights.Run(key, (flight, factory), static (key, state) =>
        {
            (Produced<T> flight, Func<string, T> factory) = state;
            return flight.Existing(key) ?? flight.Store(key, factory(key));
        });
        return flight.ResultFor(key, payload);
    }

    /// <inheritdoc />
    public ValueTask<T> GetOrAddAsync<T>(string key, Func<string, CancellationToken, ValueTask<T>> factory,
                                         TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        // Bad arguments throw here, at the call; only the factory's outcome travels in the task.
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        TimeSpan resolvedTtl = _options.ResolveTtl(ttl);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        if (_engine.TryGet(key, out byte[]? payload))
        {
            return new ValueTask<T>(Deserialize<T>(key, payload));
        }

        return GetOrAddSlowAsync(key, factory, resolvedTtl, cancellationToken);
    }

    private async ValueTask<T> GetOrAddSlowAsync<T>(string key, Func<string, CancellationToken, ValueTask<T>> factory,
                                                    TimeSpan ttl, CancellationToken cancellationToken)
    {
        var flight = new Produced<T>(this, ttl);
        byte[] payload = await _flights.RunAsync(key, (flight, factory), static async (key, state, token) =>
        {
            (Produced<T> flight, Func<string, CancellationToken, ValueTask<T>> factory) = state;
            return flight.Existing(key) ?? flight.Store(key, await factory(key, token).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
        return flight.ResultFor(key, payload);
    }

    /// <inheritdoc />
    public void SetBytes(string key, ReadOnlySpan<byte> value, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        TimeSpan resolvedTtl = _options.ResolveTtl(ttl);
        SetPayload(key, value.ToArray(), resolvedTtl);
    }

    /// <inheritdoc />
    public bool TryGetBytes(string key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        if (!_engine.TryGet(key, out byte[]? payload))
        {
            return false;
        }

        destination.Write(payload);
        return true;
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

    // The seam AtomicLru.Extensions uses (and nothing else of this type's internals): the IDistributedCache face
    // stores and reads payloads as they are, refreshes without reading, and reads the options, the clock and the
    // counters. Keep it this small: the face should not know the engine.

    /// <summary>
    /// Stores an already serialized payload, charging its key and bookkeeping too; false if it was oversized.
    /// With <paramref name="sliding"/>, <paramref name="ttl"/> is the window's absolute limit.
    /// </summary>
    internal bool SetPayload(string key, byte[] payload, TimeSpan ttl, TimeSpan sliding = default)
        => _engine.Set(key, payload, ttl, EntrySize.Of(key, payload.Length, ttl, sliding), sliding);

    /// <summary>The stored payload (shared: never to be written to), counting a hit or a miss; null on a miss.</summary>
    internal byte[]? TryGetPayload(string key) => _engine.TryGet(key, out byte[]? payload) ? payload : null;

    /// <summary>The options in effect (a copy: the ones this cache was built with, or the last <see cref="Reconfigure"/>'s).</summary>
    internal AtomicLruOptions Options => _options;

    /// <summary>
    /// Applies new options to the running cache: smaller limits evict the least recently used entries before this
    /// returns; <see cref="AtomicLruOptions.DefaultTtl"/> and <see cref="AtomicLruOptions.MaxItemSizeInBytes"/> apply to
    /// entries written from now on. The dependency injection provider calls this when its options are reloaded.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; nothing changed.</exception>
    internal void Reconfigure(AtomicLruOptions options)
    {
        AtomicLruOptions copy = options.ValidatedCopy();
        _engine.Reconfigure(copy.MaxItems, copy.SizeLimitInBytes, copy.EffectiveMaxItemSizeInBytes, copy.ExpirationScanFrequency);
        _options = copy;
    }

    /// <summary>Makes the key the most recent and slides its expiry, counting neither a hit nor a miss; false if absent.</summary>
    internal bool Refresh(string key) => _engine.Refresh(key);

    /// <summary>The clock this cache measures expiry on.</summary>
    internal TimeProvider TimeProvider => _engine.Clock.Provider;

    /// <summary>The counters, for metrics; readable after <see cref="Dispose()"/>.</summary>
    internal EngineCounters CountersSnapshot() => _engine.CountersSnapshot();

    private byte[]? TryGetPayloadUncounted(string key) => _engine.TryGetUncounted(key, out byte[]? payload) ? payload : null;

    private byte[] Serialize<T>(string key, T value)
    {
        if (value is null)
        {
            return NullPayload;
        }

        // One buffer per thread, taken out while in use, so a serializer that calls back into a cache gets its own.
        ArrayBufferWriter<byte> writer = t_writer ?? new ArrayBufferWriter<byte>(256);
        t_writer = null;
        try
        {
            _serializer.Serialize(value, writer);
            return writer.WrittenSpan.ToArray();
        }
        catch (Exception exception) when (exception is not AtomicLruSerializationException)
        {
            throw new AtomicLruSerializationException(key, typeof(T), serializing: true, exception);
        }
        finally
        {
            if (writer.Capacity <= 64 * 1024)
            {
                writer.ResetWrittenCount();
                t_writer = writer;
            }
        }
    }

    private T Deserialize<T>(string key, byte[] payload)
    {
        if (ReferenceEquals(payload, NullPayload))
        {
            if (default(T) is null)
            {
                return default!;
            }

            throw new AtomicLruSerializationException(
                key, typeof(T), serializing: false, new InvalidCastException($"The stored value is null, which is not a {typeof(T)}."));
        }

        try
        {
            return _serializer.Deserialize<T>(new ReadOnlySequence<byte>(payload));
        }
        catch (Exception exception) when (exception is not AtomicLruSerializationException)
        {
            throw new AtomicLruSerializationException(key, typeof(T), serializing: false, exception);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_engine.IsDisposed, this);

    /// <summary>
    /// One GetOrAdd call's view of a flight: the value its own factory produced, if it led, so that the
    /// leader returns that instance instead of deserializing its own bytes.
    /// </summary>
    private sealed class Produced<T>(AtomicLruCache cache, TimeSpan ttl)
    {
        private T? _value;
        private byte[]? _payload;

        internal AtomicLruCache Cache => cache;

        /// <summary>The stored payload, if the key has one now; else null, and callers may join the flight while the factory runs.</summary>
        internal byte[]? Existing(string key)
        {
            SingleFlight<string, byte[]>.CloseLeading(); // the outcome becomes visible at this lookup or at the store
            byte[]? existing = cache.TryGetPayloadUncounted(key);
            if (existing is null)
            {
                SingleFlight<string, byte[]>.ReopenLeading();
            }

            return existing;
        }

        internal byte[] Store(string key, T value)
        {
            byte[] payload = cache.Serialize(key, value);
            _value = value;
            _payload = payload;
            SingleFlight<string, byte[]>.CloseLeading();
            byte[] stored = cache._engine.GetOrAdd(key, payload, ttl, EntrySize.Of(key, payload.Length, ttl));
            return stored;
        }

        internal T ResultFor(string key, byte[] payload)
            => ReferenceEquals(payload, _payload) ? _value! : cache.Deserialize<T>(key, payload);
    }
}
