using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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
        return new EngineCounters(
            Hits: _readBuffer.TotalHits(),
            Misses: _readBuffer.TotalMisses(),
            Count: Count,
            Size: Size,
            CapacityEvictions: Volatile.Read(ref _recency.Line.CapacityEvictions),
            Expirations: Volatile.Read(ref _recency.Line.Expirations),
            Removals: Volatile.Read(ref _recency.Line.Removals),
            Replacements: Volatile.Read(ref _recency.Line.Replacements),
            ClearedEntries: Volatile.Read(ref _recency.Line.ClearedEntries),
            OversizedRejections: Volatile.Read(ref _recency.Line.OversizedRejections));
    }

    private void RecordRemovalLocked(TKey key, TValue value, long size, RemovalReason reason)
    {
        switch (reason)
        {
            case RemovalReason.Capacity: _recency.Line.CapacityEvictions++; break;
            case RemovalReason.Expired: _recency.Line.Expirations++; break;
            case RemovalReason.Removed: _recency.Line.Removals++; break;
            case RemovalReason.Replaced: _recency.Line.Replacements++; break;
            case RemovalReason.Cleared: _recency.Line.ClearedEntries++; break;
            case RemovalReason.Oversized: _recency.Line.OversizedRejections++; break;
            case RemovalReason.TokenExpired: _recency.Line.Expirations++; break;
        }

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

        _recency.Line.Lock.Exit(_lockGate);
        if (removals is not null)
        {
            foreach (Removal<TKey, TValue> removal in removals)
            {
                _listener!.OnRemoved(removal.Key, removal.Value, removal.Size, removal.Reason);
            }

            // Hand the list back, unless it grew large (a Clear) or another list is already spare.
            if (removals.Count <= 64)
            {
                removals.Clear();
                Interlocked.CompareExchange(ref _spareRemovals, removals, null);
            }
        }
    }
}
