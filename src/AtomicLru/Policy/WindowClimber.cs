using System;

namespace AtomicLru.Policy;

/// <summary>
/// Sizes Window TinyLFU's admission window by hill climbing on the hit ratio, as Caffeine does: after every sample of
/// requests, a step that raised the hit ratio (or left it as it was) is repeated, one that lowered it is reversed. A
/// change of ten points or more restarts the step at 6.25 % of the cache, anything less shrinks it by 2 %, so the
/// window settles where the workload wants it and moves again when the workload changes. Why adaptive: loops and
/// scans want the smallest window, recency-heavy traces a large one (docs/decisions/0014-window-tinylfu.md).
/// Used only under the engine's policy lock.
/// </summary>
internal sealed class WindowClimber
{
    /// <summary>
    /// The smallest share the window is given, and its share when a cache starts. Why start there: the first step would
    /// go down anyway, and until the hit ratio asks for recency, the most guarded admission serves best; in the model,
    /// starting here rather than at Caffeine's 1 % raised 20 of 33 rows and lowered 7 (decision 0014).
    /// </summary>
    internal const double MinShare = 0.001;

    /// <summary>The largest share the window is given.</summary>
    internal const double MaxShare = 0.8;

    private const double StepShare = 0.0625;
    private const double RestartThreshold = 0.10;
    private const double StepDecay = 0.98;

    private long _samplePeriod;
    private long _hits;
    private long _misses;
    private double _previousHitRatio;
    private double _step = -StepShare; // down: the window stays at its floor until a sample's hit ratio falls

    /// <param name="samplePeriod">Requests per sample: at least 100; the caller gives ten per entry the cache holds.</param>
    internal WindowClimber(long samplePeriod) => SamplePeriod = samplePeriod;

    /// <summary>The window's current share of the limits, <see cref="MinShare"/> to <see cref="MaxShare"/>.</summary>
    internal double Share { get; private set; } = MinShare;

    /// <summary>Requests per sample (at least 100).</summary>
    internal long SamplePeriod
    {
        get => _samplePeriod;
        set => _samplePeriod = Math.Max(100, value);
    }

    /// <summary>Counts one request's outcome; true when a sample closed and <see cref="Share"/> moved.</summary>
    internal bool Record(bool hit)
    {
        if (hit)
        {
            _hits++;
        }
        else
        {
            _misses++;
        }

        long requests = _hits + _misses;
        if (requests < _samplePeriod)
        {
            return false;
        }

        double hitRatio = (double)_hits / requests;
        double change = hitRatio - _previousHitRatio;
        double amount = change >= 0 ? _step : -_step;
        _step = Math.Abs(change) >= RestartThreshold ? (amount >= 0 ? StepShare : -StepShare) : StepDecay * amount;
        _previousHitRatio = hitRatio;
        _hits = _misses = 0;
        double share = Math.Clamp(Share + amount, MinShare, MaxShare);
        bool moved = share != Share;
        Share = share;
        return moved;
    }
}
