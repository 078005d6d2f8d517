using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace AtomicLru.Engine;

// Removals recorded under the lock and reported to the listener after it is released; the counters.
internal sealed partial class LruEngine<TKey, TValue>
{
    internal EngineCounters GetCounters()
    {
        ThrowIfDisposed();
        return CountersSnapshot();
    }

    /// <summary>The counters without the disposal check: for metrics callbacks, which may run after disposal.</summary>
    internal EngineCounters CountersSnapshot()
    {
        return _policy.Snapshot(_readBuffer.TotalHits(), _readBuffer.TotalMisses(), Count);
    }

    private void RecordRemovalLocked(TKey key, TValue value, long size, RemovalReason reason)
    {
        _policy.CountRemoval(reason);
        if (_listener is not null)
        {
            (_pendingRemovals ??= Interlocked.Exchange(ref _spareRemovals, null) ?? []).Add(new Removal<TKey, TValue>(key, value, size, reason));
        }
    }

    /// <summary>Releases the lock, then tells the listener what the locked section removed.</summary>
    private void ExitAndNotify()
    {
        List<Removal<TKey, TValue>>? removals = _pendingRemovals;
        if (removals is not null)
        {
            _pendingRemovals = null; // only then: a write that removed nothing leaves the engine's lines alone
        }

        _policy.Exit();
        if (removals is not null)
        {
            Notify(removals);
        }
    }

    /// <summary>
    /// Tells the listener of every removal, even of those after one it threw for: a removal callback that disposes
    /// what it is handed must not be skipped because another one, or a logger, failed. What it threw is rethrown once
    /// all are told: the exception itself if one, an <see cref="AggregateException"/> if several.
    /// </summary>
    private void Notify(List<Removal<TKey, TValue>> removals)
    {
        List<Exception>? failures = null;
        foreach (Removal<TKey, TValue> removal in removals)
        {
            try
            {
                _listener!.OnRemoved(removal.Key, removal.Value, removal.Size, removal.Reason);
            }
#pragma warning disable CA1031 // not swallowed: rethrown below, after the other removals are told
            catch (Exception exception)
#pragma warning restore CA1031
            {
                (failures ??= []).Add(exception);
            }
        }

        // Hand the list back, unless it grew large (a Clear) or another list is already spare.
        if (removals.Count <= 64)
        {
            removals.Clear();
            Interlocked.CompareExchange(ref _spareRemovals, removals, null);
        }

        if (failures is { Count: 1 })
        {
            ExceptionDispatchInfo.Throw(failures[0]);
        }

        if (failures is not null)
        {
            throw new AggregateException(failures);
        }
    }
}
