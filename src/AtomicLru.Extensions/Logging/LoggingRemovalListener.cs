using System;
using AtomicLru.Engine;
using Microsoft.Extensions.Logging;

namespace AtomicLru.Extensions.Logging;

/// <summary>Logs every removal from a serialized cache or a storage; <paramref name="sizeOf"/> says what a value weighs.</summary>
internal sealed class LoggingRemovalListener<TValue>(ILogger logger, string cache, bool logKeys, Func<TValue, long> sizeOf)
    : IRemovalListener<string, TValue>
{
    public void OnRemoved(string key, TValue value, long size, RemovalReason reason)
    {
        if (logger.IsEnabled(reason == RemovalReason.TooLarge ? LogLevel.Warning : LogLevel.Debug))
        {
            EvictionLog.Log(logger, cache, logKeys, key, reason, sizeOf(value));
        }
    }
}
