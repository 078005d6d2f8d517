using System;
using System.Collections.Generic;
using AtomicLru.Engine;

namespace AtomicLru.Tests;

/// <summary>
/// Records every removal the engine reports, in order, and may call back into the engine from it. Safe to share between
/// threads: the engine delivers removals after it releases its lock, so writers on several threads report at once.
/// </summary>
internal sealed class RecordingListener : IRemovalListener<string, string>
{
    public List<(string Key, string Value, RemovalReason Reason)> Removals { get; } = [];

    public List<long> Sizes { get; } = [];

    public Action<string>? OnRemovedCallback { get; set; }

    public void OnRemoved(string key, string value, long size, RemovalReason reason)
    {
        lock (Removals)
        {
            Removals.Add((key, value, reason));
            Sizes.Add(size);
        }

        OnRemovedCallback?.Invoke(key);
    }
}
