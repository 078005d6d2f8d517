using System;

namespace AtomicLru.Engine;

/// <summary>
/// A hierarchical timer wheel: every entry with an expiry sits in one bucket, found in O(1) from its
/// expiry time, and the wheel's clock hand visits only the buckets whose time has come.
/// Used only under the policy lock.
/// </summary>
/// <remarks>
/// <para>Level 0 has 8 buckets of an eighth of a second; each level above has buckets as wide as the whole
/// level below (1 s, 64 s, 68 min, 36 h), and the last level is a single overflow bucket. An entry goes to
/// the lowest level whose horizon covers its remaining time. When the clock moves past a bucket, the
/// bucket's entries are either expired (their time has passed) or scheduled again, which drops them to a
/// finer level. An entry's bucket is visited at most twice on each level (as its time begins and as it ends), so
/// reclaiming it costs O(1) however large the cache.</para>
/// <para>Resolution: an entry is reclaimed once the clock has entered the eighth of a second after the one
/// its expiry falls in, so at most 125 ms late when writes or the timer advance the wheel (reads check the
/// exact expiry and never return an expired entry). Under steady churn that bounds the expired entries
/// still held to about an eighth of a second of arrivals; with one-second buckets it was a whole second's.
/// Times are engine-clock timestamps; bucket widths are whole numbers of those units.</para>
/// </remarks>
internal sealed class TimerWheel<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Level 0 spans one second, so its bucket count is also its buckets per second.</summary>
    private static readonly int[] BucketsPerLevel = [8, 64, 64, 32, 16, 1];

    private readonly TimedNode<TKey, TValue>[][] _levels;

    /// <summary>Width of one bucket on each level, in timestamp units.</summary>
    private readonly long[] _spans;

    /// <summary>The time up to which the wheel has been advanced.</summary>
    private long _time;

    /// <summary>The first timestamp of the next level-0 bucket: advancing to any earlier time has nothing to do.</summary>
    private long _nextTickAt;

    /// <summary>Nodes in the buckets.</summary>
    private int _count;

    /// <summary>Nodes a visit to their bucket found not yet due and scheduled again: at most twice a node on each level.</summary>
    private long _rescheduled;

    internal TimerWheel(long ticksPerSecond, long now)
    {
        _levels = new TimedNode<TKey, TValue>[BucketsPerLevel.Length][];
        _spans = new long[BucketsPerLevel.Length + 1];
        long span = Math.Max(1, ticksPerSecond / BucketsPerLevel[0]);
        for (int level = 0; level < BucketsPerLevel.Length; level++)
        {
            _spans[level] = span;
            var buckets = new TimedNode<TKey, TValue>[BucketsPerLevel[level]];
            for (int i = 0; i < buckets.Length; i++)
            {
                buckets[i] = TimedNode<TKey, TValue>.CreateBucketSentinel();
            }

            _levels[level] = buckets;
            // Saturates: with a clock of over about 4e12 ticks a second the upper levels would span more than a
            // long holds, and a level whose buckets already cover every remaining time needs none above it.
            span = span > long.MaxValue / BucketsPerLevel[level] ? long.MaxValue : span * BucketsPerLevel[level];
        }

        _spans[BucketsPerLevel.Length] = long.MaxValue;
        _time = now;
        _nextTickAt = NextTick(now);
    }

    /// <summary>True when no node is scheduled: then no entry in the cache has an expiry.</summary>
    internal bool IsEmpty => _count == 0;

    /// <summary>How many times a node was found not yet due and scheduled again. For tests of the O(1) promise.</summary>
    internal long Rescheduled => _rescheduled;

    private long NextTick(long now) => now >= long.MaxValue - _spans[0] ? long.MaxValue : ((now / _spans[0]) + 1) * _spans[0];

    /// <summary>Puts a node with an expiry into the bucket that covers it.</summary>
    internal void Schedule(TimedNode<TKey, TValue> node)
    {
        // An expiry already behind the hand goes to the current bucket, which the next tick visits.
        long expiresAt = Math.Max(node.ExpiresAt, _time);
        long remaining = expiresAt - _time;
        int level = 0;
        while (level < _levels.Length - 1 && remaining >= _spans[level + 1])
        {
            level++;
        }

        TimedNode<TKey, TValue>[] buckets = _levels[level];
        TimedNode<TKey, TValue> sentinel = buckets[(int)((expiresAt / _spans[level]) & (buckets.Length - 1))];
        TimedNode<TKey, TValue> last = sentinel.WheelPrev!;
        node.WheelNext = sentinel;
        node.WheelPrev = last;
        last.WheelNext = node;
        sentinel.WheelPrev = node;
        _count++;
    }

    /// <summary>Takes a node out of its bucket, if it is in one.</summary>
    internal void Unschedule(TimedNode<TKey, TValue> node)
    {
        if (node.WheelNext is null)
        {
            return;
        }

        node.WheelPrev!.WheelNext = node.WheelNext;
        node.WheelNext.WheelPrev = node.WheelPrev;
        node.WheelPrev = null;
        node.WheelNext = null;
        _count--;
    }

    /// <summary>
    /// Moves the clock hand to <paramref name="now"/>, handing every node whose expiry has passed to
    /// <paramref name="expire"/> (already out of the wheel) and scheduling the others of the visited buckets again.
    /// </summary>
    internal void Advance(long now, Action<TimedNode<TKey, TValue>> expire)
    {
        long previous = _time;
        if (now <= previous)
        {
            return;
        }

        _time = now;
        if (now < _nextTickAt)
        {
            return;
        }

        _nextTickAt = NextTick(now);
        for (int level = 0; level < _levels.Length; level++)
        {
            long previousTicks = previous / _spans[level];
            long currentTicks = now / _spans[level];
            if (currentTicks == previousTicks)
            {
                break; // no coarser level has moved either
            }

            TimedNode<TKey, TValue>[] buckets = _levels[level];
            int mask = buckets.Length - 1;
            long steps = Math.Min(currentTicks - previousTicks + 1, buckets.Length);
            for (long i = 0; i < steps; i++)
            {
                TimedNode<TKey, TValue> sentinel = buckets[(int)((previousTicks + i) & mask)];
                TimedNode<TKey, TValue>? node = sentinel.WheelNext!;
                if (ReferenceEquals(node, sentinel))
                {
                    continue;
                }

                // Detach the whole bucket first: nodes scheduled again may land in this same bucket.
                sentinel.WheelPrev!.WheelNext = null;
                sentinel.WheelPrev = sentinel.WheelNext = sentinel;
                while (node is not null)
                {
                    TimedNode<TKey, TValue>? next = node.WheelNext;
                    node.WheelPrev = null;
                    node.WheelNext = null;
                    _count--;
                    if (node.HasExpired(now))
                    {
                        expire(node);
                    }
                    else
                    {
                        Schedule(node);
                        _rescheduled++;
                    }

                    node = next;
                }
            }
        }
    }

    /// <summary>Empties every bucket; the caller is dropping all the nodes, so their links are left as they are.</summary>
    internal void Clear()
    {
        foreach (TimedNode<TKey, TValue>[] buckets in _levels)
        {
            foreach (TimedNode<TKey, TValue> sentinel in buckets)
            {
                sentinel.WheelPrev = sentinel.WheelNext = sentinel;
            }
        }

        _count = 0;
    }
}
