using System;
using System.Linq;
using AtomicLru.Policy;

namespace AtomicLru.Tests;

/// <summary>The count-min sketch the Window TinyLFU policy asks: estimates, saturation, aging, seeding.</summary>
public sealed class FrequencySketchTests
{
    [Fact]
    public void A_key_seen_n_times_is_estimated_at_least_n_up_to_fifteen()
    {
        var sketch = new FrequencySketch(1000, seed: 42);
        Assert.Equal(0, sketch.Frequency(7));
        for (int n = 1; n <= 20; n++)
        {
            sketch.Increment(7);
            Assert.Equal(Math.Min(n, FrequencySketch.MaxFrequency), sketch.Frequency(7));
        }
    }

    [Fact]
    public void Estimates_of_many_keys_overcount_rarely_and_never_undercount()
    {
        const int keys = 1000;
        var sketch = new FrequencySketch(keys, seed: 1);
        var random = new Random(3);
        int[] counts = new int[keys];
        for (int i = 0; i < 5000; i++)
        {
            int key = random.Next(keys);
            counts[key]++;
            sketch.Increment(key * 31 + 17);
        }

        int exact = 0;
        for (int key = 0; key < keys; key++)
        {
            int estimate = sketch.Frequency(key * 31 + 17);
            Assert.True(estimate >= Math.Min(counts[key], FrequencySketch.MaxFrequency), $"key {key}: counted {counts[key]}, estimated {estimate}");
            exact += estimate == Math.Min(counts[key], FrequencySketch.MaxFrequency) ? 1 : 0;
        }

        Assert.True(exact >= keys * 9 / 10, $"only {exact} of {keys} estimates were exact");
    }

    [Fact]
    public void After_ten_events_per_entry_every_counter_is_halved_so_old_popularity_fades()
    {
        var sketch = new FrequencySketch(100, seed: 5);
        for (int i = 0; i < 15; i++)
        {
            sketch.Increment(1);
        }

        Assert.Equal(15, sketch.Frequency(1));
        Assert.Equal(1000, sketch.SampleSize);
        for (int i = 0; sketch.Additions < 990; i++)
        {
            sketch.Increment(1000 + (i % 200)); // other keys, until just before the halving
        }

        Assert.Equal(15, sketch.Frequency(1));
        while (sketch.Additions > 500)
        {
            sketch.Increment(5000);
        }

        Assert.Equal(7, sketch.Frequency(1)); // 15 halved, rounded down
        Assert.InRange(sketch.Additions, 1, 500);
    }

    [Fact]
    public void Events_counted_apart_age_the_sketch_and_are_added_later_up_to_fifteen()
    {
        var sketch = new FrequencySketch(100, seed: 5); // halves after 1,000 events
        for (int i = 0; i < 999; i++)
        {
            sketch.CountEvent(); // counted toward the halving, for no key
        }

        Assert.Equal(0, sketch.Halvings);
        Assert.Equal(0, sketch.Frequency(1));
        sketch.Add(1, 9);
        Assert.Equal(9, sketch.Frequency(1));
        sketch.Add(1, 9);
        Assert.Equal(FrequencySketch.MaxFrequency, sketch.Frequency(1)); // saturates, does not carry into a neighbour
        Assert.Equal(0, sketch.Frequency(2));

        sketch.CountEvent(); // the thousandth
        Assert.Equal(1, sketch.Halvings);
        Assert.Equal(7, sketch.Frequency(1));
    }

    [Fact]
    public void Halving_rounds_each_counter_down_and_leaves_zero_at_zero()
    {
        var sketch = new FrequencySketch(64, seed: 9);
        sketch.Increment(1);
        sketch.Increment(2);
        sketch.Increment(2);
        sketch.Increment(2);

        sketch.Halve();

        Assert.Equal(0, sketch.Frequency(1));
        Assert.Equal(1, sketch.Frequency(2));
        Assert.Equal(0, sketch.Frequency(3));
    }

    [Fact]
    public void Which_keys_share_counters_depends_on_the_seed()
    {
        // Keys that look seen to one sketch only because all four of their counters are shared with keys that were seen
        // (2,000 of them in 1,024 longs, before the first halving at 5,000)...
        var first = new FrequencySketch(500, seed: 11);
        var second = new FrequencySketch(500, seed: 12);
        for (int hot = 0; hot < 2000; hot++)
        {
            first.Increment(hot);
            second.Increment(hot);
        }

        int[] collidingInFirst = [.. Enumerable.Range(10_000, 300_000).Where(h => first.Frequency(h) > 0)];
        Assert.True(collidingInFirst.Length >= 20, $"{collidingInFirst.Length} colliding keys");

        // ...are not the keys that look seen to a sketch with another seed.
        int sharedToo = collidingInFirst.Count(h => second.Frequency(h) > 0);
        Assert.True(sharedToo <= collidingInFirst.Length / 10, $"{sharedToo} of {collidingInFirst.Length} collide under both seeds");
    }

    [Fact]
    public void A_random_seed_differs_between_sketches()
    {
        var a = new FrequencySketch(500);
        var b = new FrequencySketch(500);
        for (int hot = 0; hot < 2000; hot++)
        {
            a.Increment(hot);
            b.Increment(hot);
        }

        int[] collideA = [.. Enumerable.Range(10_000, 300_000).Where(h => a.Frequency(h) > 0)];
        int[] collideB = [.. Enumerable.Range(10_000, 300_000).Where(h => b.Frequency(h) > 0)];
        Assert.NotEqual(collideA, collideB);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_capacity_below_one_throws(int capacity)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new FrequencySketch(capacity));

    [Fact]
    public void Increment_returns_the_estimate_the_key_had_just_before()
    {
        var sketch = new FrequencySketch(1, seed: 7); // 1,024 longs for 3,000 keys: counters shared all over
        var random = new Random(5);
        for (int i = 0; i < 20_000; i++)
        {
            int hash = random.Next(3000);
            if (i % 10 == 0)
            {
                sketch.Halve(); // keep counters below fifteen, so that they differ
            }

            int before = sketch.Frequency(hash);
            Assert.Equal(before, sketch.Increment(hash));
        }
    }

    [Fact]
    public void The_events_of_a_key_whose_counters_are_all_full_do_not_count_toward_the_halving()
    {
        var sketch = new FrequencySketch(1000, seed: 3); // halves after 10,000 events
        for (int i = 0; i < FrequencySketch.MaxFrequency; i++)
        {
            sketch.Increment(9);
        }

        Assert.Equal(FrequencySketch.MaxFrequency, sketch.Additions);
        sketch.Increment(9);
        sketch.Increment(9);
        Assert.Equal(FrequencySketch.MaxFrequency, sketch.Additions); // nothing more to count for it
    }

    [Fact]
    public void The_sketch_halves_on_exactly_its_sample_size_th_event()
    {
        var sketch = new FrequencySketch(100, seed: 2); // 1,000 events
        for (int key = 0; key < sketch.SampleSize - 1; key++)
        {
            sketch.Increment(key);
        }

        Assert.Equal(0, sketch.Halvings);
        sketch.Increment(-1);
        Assert.Equal(1, sketch.Halvings);
    }

    [Fact]
    public void The_same_seed_shares_the_same_counters()
    {
        // 3,000 keys seen in 1,024 longs, before the first halving at 10,000: many unseen keys look seen, and which
        // ones depends on the seed alone.
        var first = new FrequencySketch(1000, seed: 99);
        var second = new FrequencySketch(1000, seed: 99);
        for (int hash = 0; hash < 9000; hash += 3)
        {
            first.Increment(hash);
            second.Increment(hash);
        }

        int lookSeen = 0;
        for (int hash = 0; hash < 9000; hash++)
        {
            Assert.Equal(first.Frequency(hash), second.Frequency(hash)); // unseen keys too: the collisions are alike
            lookSeen += hash % 3 != 0 && first.Frequency(hash) > 0 ? 1 : 0;
        }

        Assert.True(lookSeen > 10, $"only {lookSeen} unseen keys share counters with seen ones: the test shows nothing");
    }
}
