using System;
using AtomicLru.Engine;
using Microsoft.Extensions.Logging;

namespace AtomicLru.Extensions.Logging;

/// <summary>
/// Logs every removal from a cache (an oversized value at Warning, anything else at Debug), then hands it to
/// <paramref name="then"/> if there is one, even when the logger throws (what it threw goes on to the caller). The
/// size logged is <paramref name="sizeOf"/> of the value, or what the entry was charged when that is null.
/// <see cref="LogKeys"/> may change while the cache runs (options reloaded).
/// </summary>
internal sealed class LoggingRemovalListener<TKey, TValue>(
    ILogger logger, string cache, bool logKeys, Func<TValue, long>? sizeOf = null, Action<TValue, RemovalReason>? then = null)
    : IRemovalListener<TKey, TValue>
    where TKey : notnull
{
    private volatile bool _logKeys = logKeys;

    /// <summary>Whether the messages name the key (<see cref="AtomicLruOptions.LogKeys"/>).</summary>
    internal bool LogKeys
    {
        get => _logKeys;
        set => _logKeys = value;
    }

    public void OnRemoved(TKey key, TValue value, long size, RemovalReason reason)
    {
        try
        {
            if (logger.IsEnabled(reason == RemovalReason.Oversized ? LogLevel.Warning : LogLevel.Debug))
            {
                AtomicLruLog.Log(logger, cache, _logKeys, key, reason, sizeOf is null ? size : sizeOf(value));
            }
        }
        finally
        {
            then?.Invoke(value, reason); // the entry's callbacks run even if a logging provider throws
        }
    }
}
