using System;
using System.Collections.Generic;
using System.Threading;
using AtomicLru.Engine;
using AtomicLru.Extensions.Logging;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AtomicLru.Extensions;

/// <summary>
/// <see cref="IMemoryCache"/> on the AtomicLru engine: a drop-in for <c>MemoryCache</c> with exact LRU
/// eviction, expiry reclaimed in the background, and lock-free reads.
/// </summary>
/// <remarks>
/// <para>Keys are any objects with value equality (strings, numbers, tuples, records). An entry is committed
/// when the <see cref="ICacheEntry"/> from <see cref="CreateEntry"/> is disposed, if its value was set.</para>
/// <para>Where it differs from <c>MemoryCache</c> on purpose:</para>
/// <list type="bullet">
/// <item>When the cache is full, the least recently used entry is evicted, never the new one.</item>
/// <item>With <see cref="AtomicLruOptions.SizeLimitInBytes"/>, an entry without <see cref="ICacheEntry.Size"/>
/// does not throw: it is charged its bookkeeping plus the length of a <see cref="byte"/>[] or
/// <see cref="string"/> value. <see cref="ICacheEntry.Size"/>, when given, is taken as bytes.</item>
/// <item>Expired entries are reclaimed within about a second without waiting for a read.</item>
/// <item>Post-eviction callbacks run on the thread whose operation removed the entry, after the cache's
/// lock is released (not on the thread pool), exactly once per entry; a throwing callback is logged.</item>
/// <item><see cref="GetCurrentStatistics"/> always returns figures; there is nothing to switch on.</item>
/// </list>
/// </remarks>
/// <example>
/// <code>
/// using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 10_000 });
/// Product product = cache.GetOrCreate(productId, entry =>
/// {
///     entry.SlidingExpiration = TimeSpan.FromMinutes(5);
///     return LoadProduct(productId);
/// })!;
/// </code>
/// </example>
public sealed partial class AtomicLruMemoryCache : IMemoryCache
{
    // The engine holds an entry's value itself, unless the entry has post-eviction callbacks or expiration
    // tokens: then it holds the MemoryCacheEntry, which carries them (see Commit). A caller's value is never a
    // MemoryCacheEntry there, so a read tells the two apart by type.
    private readonly LruEngine<object, object?> _engine;
    private volatile AtomicLruOptions _options; // replaced whole by Reconfigure: a call reads one version
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<Exception, MemoryCacheEntry> _onCallbackFailed;
    private readonly Action<MemoryCacheEntry> _onTokenFired;
    private readonly LoggingRemovalListener<object, object?> _removalLog;

    /// <summary>A <see cref="MemoryCacheEntry"/> object on a 64-bit runtime, charged to an entry that keeps one (one with callbacks or tokens); checked by a test that measures allocations.</summary>
    internal const int EntryObjectBytes = 120;

    /// <summary>Creates a cache with these limits.</summary>
    /// <param name="options">The limits and expiry settings; read once, here.</param>
    /// <param name="timeProvider">Where time comes from; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Where failures of post-eviction callbacks are logged; null for nowhere.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public AtomicLruMemoryCache(AtomicLruOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(options, timeProvider, loggerFactory, nameof(AtomicLruMemoryCache))
    {
    }

    /// <param name="options">The limits and expiry settings.</param>
    /// <param name="timeProvider">Where time comes from; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Where removals and failures of post-eviction callbacks are logged; null for nowhere.</param>
    /// <param name="cacheName">What the log messages call this cache (a named cache's name).</param>
    internal AtomicLruMemoryCache(AtomicLruOptions options, TimeProvider? timeProvider, ILoggerFactory? loggerFactory, string cacheName)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.ValidatedCopy();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<AtomicLruMemoryCache>() ?? NullLogger.Instance;
        _onCallbackFailed = (exception, entry) => LogCallbackFailed(exception, entry.Key);
        _engine = new LruEngine<object, object?>(
            _options.MaxItems,
            _options.SizeLimitInBytes,
            _time,
            _options.ExpirationScanFrequency,
            comparer: null,
            _removalLog = new LoggingRemovalListener<object, object?>(
                _logger,
                cacheName,
                _options.LogKeys,
                then: (value, reason) => (value as MemoryCacheEntry)?.OnEvicted(ToEvictionReason(reason), _onCallbackFailed)),
            _options.EffectiveMaxItemSizeInBytes,
            ownerName: typeof(AtomicLruMemoryCache).FullName,
            evictionPolicy: _options.EvictionPolicy);
        _onTokenFired = entry => _engine.RemoveIfSame(entry.Key, entry, RemovalReason.TokenExpired);
    }

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
        _removalLog.LogKeys = copy.LogKeys;
        _options = copy;
    }

    /// <summary>The engine, for tests that check its invariants.</summary>
    internal LruEngine<object, object?> Engine => _engine;

    /// <summary>The counters, for metrics; readable after <see cref="Dispose()"/>.</summary>
    internal EngineCounters CountersSnapshot() => _engine.CountersSnapshot();

    /// <summary>Entries held now, including expired ones that the background reclaim has not reached yet.</summary>
    /// <exception cref="ObjectDisposedException">The cache was disposed.</exception>
    public int Count
    {
        get
        {
            ObjectDisposedException.ThrowIf(_engine.IsDisposed, this);
            return _engine.Count;
        }
    }

    /// <inheritdoc />
    public ICacheEntry CreateEntry(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_engine.IsDisposed, this);
        return new MemoryCacheEntry(key, this);
    }

    /// <inheritdoc />
    public bool TryGetValue(object key, out object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_engine.TryGet(key, out object? stored))
        {
            if (stored is not MemoryCacheEntry entry)
            {
                value = stored;
                return true;
            }

            if (!entry.HasPolledTokens || !entry.AnyTokenChanged())
            {
                value = entry.Value;
                return true;
            }

            _engine.RemoveIfSame(key, entry, RemovalReason.TokenExpired);
            _engine.RecountHitAsMiss(); // the caller gets a miss, so the statistics say one
        }

        value = null;
        return false;
    }

    /// <inheritdoc />
    public void Remove(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _engine.Remove(key);
    }

    /// <summary>The keys of the unexpired entries, most recent first: a snapshot, as <c>MemoryCache.Keys</c> is.</summary>
    public IEnumerable<object> Keys => _engine.SnapshotKeys();

    /// <summary>Removes every entry; their post-eviction callbacks run with <see cref="EvictionReason.Removed"/>.</summary>
    public void Clear() => _engine.Clear();

    /// <summary>
    /// Removes expired entries, then the least recently used ones (never <see cref="CacheItemPriority.NeverRemove"/>
    /// ones) until <paramref name="percentage"/> of the entries are gone; callbacks say <see cref="EvictionReason.Capacity"/>.
    /// </summary>
    /// <param name="percentage">The share to remove, from 0 (none) to 1 (all), as <c>MemoryCache.Compact</c> takes it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentage"/> is not within 0 to 1.</exception>
    public void Compact(double percentage)
    {
        if (!(percentage >= 0 && percentage <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(percentage), percentage, "The percentage to compact must be from 0 to 1.");
        }

        _engine.Compact(percentage);
    }

    /// <inheritdoc />
    public MemoryCacheStatistics? GetCurrentStatistics()
    {
        EngineCounters counters = _engine.GetCounters();
        return new MemoryCacheStatistics
        {
            TotalHits = counters.Hits,
            TotalMisses = counters.Misses,
            CurrentEntryCount = counters.Count,
            CurrentEstimatedSize = counters.Size,
        };
    }

    /// <summary>
    /// Stops the background reclaim and drops every entry (post-eviction callbacks do not run, as with <c>MemoryCache</c>),
    /// and stops watching the entries' change tokens, so that a token that lives on keeps nothing of the cache alive.
    /// Later calls throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose() => _engine.Dispose(static value => (value as MemoryCacheEntry)?.StopWatchingTokens());

    /// <summary>Stores a disposed entry that has a value, as <c>MemoryCache</c> commits one.</summary>
    internal void Commit(MemoryCacheEntry entry)
    {
        if (!EntryExpiry.TryResolve(entry.AbsoluteExpiration, entry.AbsoluteExpirationRelativeToNow, entry.SlidingExpiration, _time, _options, out EntryExpiry expiry))
        {
            NotAdded(entry, EvictionReason.Expired);
            return;
        }

        if (entry.AnyTokenChanged())
        {
            NotAdded(entry, EvictionReason.TokenExpired);
            return;
        }

        bool pinned = entry.Priority == CacheItemPriority.NeverRemove;
        long size = entry.Size ?? ChargeFor(entry, expiry);
        if (!entry.KeepsEntryObject)
        {
            // Nothing to run or watch once stored: the engine holds the value alone, and the entry object
            // (EntryObjectBytes) is garbage as soon as the caller drops it.
            _engine.Set(entry.Key, entry.Value, expiry.Ttl, size, expiry.Sliding, pinned);
            return;
        }

        if (_engine.Set(entry.Key, entry, expiry.Ttl, size, expiry.Sliding, pinned))
        {
            // Watch the tokens once the entry is in: a token that fired meanwhile removes it right away.
            entry.WatchTokens(_onTokenFired);
            if (entry.AnyTokenChanged())
            {
                _engine.RemoveIfSame(entry.Key, entry, RemovalReason.TokenExpired);
            }

            if (_engine.IsDisposed)
            {
                entry.StopWatchingTokens(); // Dispose may have dropped the entry before its tokens were watched
            }
        }
    }

    /// <summary>An entry expired before it was committed: not added, the older value goes (it would be stale), callbacks say why.</summary>
    private void NotAdded(MemoryCacheEntry entry, EvictionReason reason)
    {
        _engine.Remove(entry.Key);
        entry.OnEvicted(reason, _onCallbackFailed);
    }

    /// <summary>What an entry without a Size is charged: its bookkeeping, plus a byte array's or a string's length.</summary>
    private static long ChargeFor(MemoryCacheEntry entry, EntryExpiry expiry)
    {
        long node = expiry.IsSliding ? EntrySize.SlidingNodeBytes : expiry.HasDeadline ? EntrySize.TimedNodeBytes : EntrySize.NodeBytes;
        long bookkeeping = node + EntrySize.IndexBytes + (entry.KeepsEntryObject ? EntryObjectBytes : 0);
        return entry.Value switch
        {
            byte[] bytes => bookkeeping + 24 + bytes.Length,
            string text => bookkeeping + 22 + (2L * text.Length),
            _ => bookkeeping,
        };
    }

    private static EvictionReason ToEvictionReason(RemovalReason reason) => reason switch
    {
        RemovalReason.Capacity or RemovalReason.Oversized => EvictionReason.Capacity,
        RemovalReason.Expired => EvictionReason.Expired,
        RemovalReason.Replaced => EvictionReason.Replaced,
        RemovalReason.TokenExpired => EvictionReason.TokenExpired,
        _ => EvictionReason.Removed,
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "A post-eviction callback of a cache entry threw; the cache is unaffected. Key type: {KeyType}.")]
    private partial void LogCallbackFailed(Exception exception, Type keyType);

    private void LogCallbackFailed(Exception exception, object key) => LogCallbackFailed(exception, key.GetType());

}
