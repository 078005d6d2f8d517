using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;

namespace AtomicLru.Extensions;

/// <summary>
/// An <see cref="ICacheEntry"/> of <see cref="AtomicLruMemoryCache"/>: filled in by the caller, committed
/// to the cache by <see cref="Dispose"/> if <see cref="Value"/> was set (once, however often it is disposed),
/// and then the engine's value for its key.
/// </summary>
internal sealed class MemoryCacheEntry : ICacheEntry
{
    /// <summary>What <see cref="_relativeTicks"/> and <see cref="_slidingTicks"/> hold when unset.</summary>
    private const long Unset = long.MinValue;

    private readonly AtomicLruMemoryCache _cache;
    private object? _value;
    private bool _valueSet;
    private bool _committed;
    private int _callbacksFired;

    // Every Set through IMemoryCache allocates one of these, so the optional settings are kept without
    // Nullable<T> wrappers (which pad each to twice its size): 120 bytes instead of 152.
    private long _relativeTicks = Unset;
    private long _slidingTicks = Unset;
    private long _size = -1;
    private DateTimeOffset _absolute;
    private bool _hasAbsolute;
    private List<IChangeToken>? _tokens;
    private List<PostEvictionCallbackRegistration>? _callbacks;
    private List<IDisposable>? _registrations; // of the tokens' change callbacks; disposed when the entry leaves

    internal MemoryCacheEntry(object key, AtomicLruMemoryCache cache)
    {
        Key = key;
        _cache = cache;
    }

    public object Key { get; }

    public object? Value
    {
        get => _value;
        set
        {
            _value = value;
            _valueSet = true;
        }
    }

    public DateTimeOffset? AbsoluteExpiration
    {
        get => _hasAbsolute ? _absolute : null;
        set
        {
            _hasAbsolute = value.HasValue;
            _absolute = value.GetValueOrDefault();
        }
    }

    public TimeSpan? AbsoluteExpirationRelativeToNow
    {
        get => _relativeTicks == Unset ? null : new TimeSpan(_relativeTicks);
        set => _relativeTicks = Positive(value, nameof(AbsoluteExpirationRelativeToNow))?.Ticks ?? Unset;
    }

    public TimeSpan? SlidingExpiration
    {
        get => _slidingTicks == Unset ? null : new TimeSpan(_slidingTicks);
        set => _slidingTicks = Positive(value, nameof(SlidingExpiration))?.Ticks ?? Unset;
    }

    public IList<IChangeToken> ExpirationTokens => _tokens ??= [];

    public IList<PostEvictionCallbackRegistration> PostEvictionCallbacks => _callbacks ??= [];

    public CacheItemPriority Priority { get; set; } = CacheItemPriority.Normal;

    public long? Size
    {
        get => _size < 0 ? null : _size;
        set
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Size), value, "The size must be zero or positive.");
            }

            _size = value ?? -1;
        }
    }

    private static TimeSpan? Positive(TimeSpan? value, string name)
        => value <= TimeSpan.Zero ? throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.") : value;

    /// <summary>Commits the entry to the cache if a value was set; later calls do nothing.</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        _committed = true;
        if (_valueSet)
        {
            _cache.Commit(this);
        }
    }

    /// <summary>
    /// True if the cache must keep this object once the entry is stored: it has post-eviction callbacks to run or
    /// expiration tokens to watch, or its value is itself an entry object (which a read could not tell apart).
    /// Otherwise the cache keeps only the value.
    /// </summary>
    internal bool KeepsEntryObject => _callbacks is { Count: > 0 } || _tokens is { Count: > 0 } || _value is MemoryCacheEntry;

    /// <summary>True if a token without change callbacks must be polled on each read.</summary>
    internal bool HasPolledTokens { get; private set; }

    /// <summary>True if an expiration token has fired.</summary>
    internal bool AnyTokenChanged()
    {
        if (_tokens is not null)
        {
            foreach (IChangeToken token in _tokens)
            {
                if (token.HasChanged)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// After the entry is stored: tokens that call back remove it when they fire (only if it is still the
    /// key's entry); the others are polled on reads.
    /// </summary>
    internal void WatchTokens(Action<MemoryCacheEntry> onTokenFired)
    {
        if (_tokens is null)
        {
            return;
        }

        foreach (IChangeToken token in _tokens)
        {
            if (token.ActiveChangeCallbacks)
            {
                IDisposable registration = token.RegisterChangeCallback(static state =>
                {
                    var (entry, fired) = ((MemoryCacheEntry, Action<MemoryCacheEntry>))state!;
                    fired(entry);
                }, (this, onTokenFired));
                lock (_tokens)
                {
                    (_registrations ??= []).Add(registration);
                }
            }
            else
            {
                HasPolledTokens = true;
            }
        }
    }

    /// <summary>
    /// Disposes the change-token registrations, so that a token that outlives the entry (a long-lived
    /// <c>CancellationTokenSource</c>) no longer references it, nor through it the cache. Safe to call more than once.
    /// </summary>
    internal void StopWatchingTokens()
    {
        if (_registrations is not null)
        {
            lock (_tokens!)
            {
                foreach (IDisposable registration in _registrations)
                {
                    registration.Dispose();
                }

                _registrations.Clear();
            }
        }
    }

    /// <summary>Runs the post-eviction callbacks once, whatever calls this how often, and stops watching tokens.</summary>
    internal void OnEvicted(EvictionReason reason, Action<Exception, MemoryCacheEntry> onCallbackFailed)
    {
        if (Interlocked.Exchange(ref _callbacksFired, 1) != 0)
        {
            return;
        }

        StopWatchingTokens();

        if (_callbacks is null)
        {
            return;
        }

        foreach (PostEvictionCallbackRegistration registration in _callbacks)
        {
            try
            {
                registration.EvictionCallback?.Invoke(Key, _value, reason, registration.State);
            }
#pragma warning disable CA1031 // a user's callback must not break the cache: its failure is logged
            catch (Exception exception)
#pragma warning restore CA1031
            {
                onCallbackFailed(exception, this);
            }
        }
    }
}
