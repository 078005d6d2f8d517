using System;
using System.Collections.Generic;
using System.Linq;
using AtomicLru.Engine;

namespace AtomicLru.Tests;

/// <summary>The recency log against a linked list doing the same moves: same order, through growth and compaction.</summary>
public sealed class RecencyLogTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 20)]
    [InlineData(3, 200)]
    [InlineData(4, 5_000)]
    [InlineData(5, 200, int.MaxValue - 5L)] // the sequence passes 2^31, where a 31-bit stamp went back to 0
    [InlineData(6, 200, uint.MaxValue - 5L)] // the sequence passes 2^32 - 1, whose low 32 bits are those of Gone
    public void Random_adds_moves_and_removals_keep_the_order_a_linked_list_keeps(int seed, int population, long firstSequence = 0)
    {
        var random = new Random(seed);
        var policy = new PolicyState();
        var log = new RecencyLog<int, int>(policy, firstSequence);
        var model = new LinkedList<Node<int, int>>(); // most recent first
        var place = new Dictionary<Node<int, int>, LinkedListNode<Node<int, int>>>();
        var removed = new List<Node<int, int>>();
        var stampsHad = new Dictionary<Node<int, int>, HashSet<long>>();
        var lastStamp = new Dictionary<Node<int, int>, long>();
        int nextKey = 0;
        int largest = 0;
        for (int step = 0; step < 60_000; step++)
        {
            int roll = random.Next(100);
            if (model.Count < population && roll < 30)
            {
                var node = new Node<int, int>(nextKey, nextKey, nextKey, Node<int, int>.Never, 1);
                nextKey++;
                log.Add(node);
                Assert.True(node.InRecencyLog);
                Assert.Equal(policy.RecencyTail - policy.RecencyHead >= 4, log.IsAmongNewest(node)); // in the tail slot
                place[node] = model.AddFirst(node);
            }
            else if (model.Count > 0 && roll < 85)
            {
                // Mostly recent nodes, as reads of hot keys are: they leave the most holes behind.
                Node<int, int> node = roll < 60 ? model.ElementAt(Math.Min(random.Next(4), model.Count - 1)) : place.Keys.ElementAt(random.Next(place.Count));
                log.MoveToFirst(node);
                Assert.True(node.InRecencyLog);
                Assert.Equal(policy.RecencyTail - policy.RecencyHead >= 4, log.IsAmongNewest(node)); // in the tail slot
                model.Remove(place[node]);
                place[node] = model.AddFirst(node);
            }
            else if (model.Count > 0)
            {
                // Remove any node, as Remove does, or now and then evict the least recent, as a full cache
                // does: the head then seldom moves, so the log fills with holes and must close them.
                bool evict = roll >= 98;
                Node<int, int> node = evict ? log.Last! : place.Keys.ElementAt(random.Next(place.Count));
                if (evict)
                {
                    Assert.Same(model.Last!.Value, node);
                }

                log.Remove(node, sweepLater: evict);
                Assert.False(node.InRecencyLog);
                removed.Add(node);
                model.Remove(place[node]);
                place.Remove(node);
            }

            largest = Math.Max(largest, log.Capacity);
            if (step % 97 == 0 || model.Count < 4)
            {
                Assert.Equal(model.Reverse().Select(n => n.Key), log.OldestFirst().Select(n => n.Key));
                Assert.Equal(model.Count, log.Count);
                Assert.Same(model.Last?.Value, log.Last);
                Assert.True(log.StampsMatchSlots());

                // A removed node is marked gone: however the log has moved on since (closed holes, grown, wrapped),
                // it never counts as in again, and every node kept still does.
                Assert.All(removed.Skip(Math.Max(0, removed.Count - 64)), gone => Assert.False(gone.InRecencyLog));
                Assert.All(model, kept => Assert.True(kept.InRecencyLog));
                Assert.InRange(log.UnsweptNodes(), 0, RecencyLog<int, int>.SweepEvery - 1);

                // A node's stamp never goes back to a value it had (lock-free readers take an unchanged stamp to mean
                // an unchanged node), whatever moves, closed holes and growth did since.
                foreach (Node<int, int> kept in model)
                {
                    HashSet<long> had = stampsHad.TryGetValue(kept, out HashSet<long>? seen) ? seen : stampsHad[kept] = [];
                    if (lastStamp.GetValueOrDefault(kept, Node<int, int>.Gone) != kept.RecencyStamp)
                    {
                        Assert.True(had.Add(kept.RecencyStamp), $"node {kept.Key} is back at stamp {kept.RecencyStamp}");
                        lastStamp[kept] = kept.RecencyStamp;
                    }
                }

                // Among the newest quarter of the slots: a node so placed has fewer than a quarter of the slots'
                // worth of nodes after it, and the least recent (at the head once Last has skipped the holes) never is.
                long span = policy.RecencyTail - policy.RecencyHead;
                int newer = 0;
                foreach (Node<int, int> kept in model)
                {
                    if (log.IsAmongNewest(kept))
                    {
                        Assert.True(newer < span / 4, "a node with a quarter of the log's slots after it counted among the newest");
                    }

                    newer++;
                }

                if (model.Count > 0)
                {
                    Assert.False(log.IsAmongNewest(log.Last!));
                }
            }
        }

        // Holes are closed rather than letting the log grow without end: it stays within four slots a node.
        Assert.InRange(largest, 1, Math.Max(16, 4 * population));
    }

    [Theory]
    [InlineData(1, 10, 0L)]
    [InlineData(2, 300, 0L)]
    [InlineData(3, 50, int.MaxValue - 100L)] // stamps wrap while evicted nodes wait behind the head
    public void A_full_cache_evicting_from_the_head_keeps_the_order_and_lets_go_of_evicted_nodes(int seed, int capacity, long firstSequence)
    {
        // What a full cache does: every new key evicts the least recent, reads move nodes to the front. Evictions
        // leave their slots behind the head unswept for a while, and the tail wraps onto them.
        var random = new Random(seed);
        var policy = new PolicyState();
        var log = new RecencyLog<int, int>(policy, firstSequence);
        var model = new LinkedList<Node<int, int>>(); // most recent first
        var place = new Dictionary<Node<int, int>, LinkedListNode<Node<int, int>>>();
        var evicted = new Queue<Node<int, int>>();
        for (int key = 0; key < 40 * capacity; key++)
        {
            if (model.Count > 0 && random.Next(3) == 0)
            {
                Node<int, int> read = place.Keys.ElementAt(random.Next(place.Count));
                log.MoveToFirst(read);
                model.Remove(place[read]);
                place[read] = model.AddFirst(read);
            }

            if (model.Count == capacity)
            {
                Node<int, int> victim = log.Last!;
                Assert.Same(model.Last!.Value, victim);
                log.Remove(victim, sweepLater: key % 5 != 0); // as the engine: all but large entries wait for the sweep
                model.RemoveLast();
                place.Remove(victim);
                Assert.False(victim.InRecencyLog);
                evicted.Enqueue(victim);
                if (evicted.Count > 2 * RecencyLog<int, int>.SweepEvery)
                {
                    evicted.Dequeue();
                }
            }

            var node = new Node<int, int>(key, key, key, Node<int, int>.Never, 1);
            log.Add(node);
            place[node] = model.AddFirst(node);

            Assert.Equal(model.Count, log.Count);
            Assert.InRange(log.UnsweptNodes(), 0, RecencyLog<int, int>.SweepEvery - 1);
            Assert.All(evicted, gone => Assert.False(gone.InRecencyLog));
            if (key % 13 == 0)
            {
                Assert.Equal(model.Reverse().Select(n => n.Key), log.OldestFirst().Select(n => n.Key));
                Assert.True(log.StampsMatchSlots());
            }
        }
    }

    [Fact]
    public void Reads_alone_never_grow_the_log_past_four_slots_a_node_however_many_holes_they_leave()
    {
        // No eviction ever pops the head here, so only closing the holes keeps the log small.
        var random = new Random(7);
        var log = new RecencyLog<int, int>(new PolicyState());
        var model = new List<Node<int, int>>(); // least recent first
        for (int i = 0; i < 10; i++)
        {
            var node = new Node<int, int>(i, i, i, Node<int, int>.Never, 1);
            log.Add(node);
            model.Add(node);
        }

        for (int read = 0; read < 100_000; read++)
        {
            Node<int, int> node = model[random.Next(model.Count)];
            log.MoveToFirst(node);
            model.Remove(node);
            model.Add(node);
        }

        Assert.InRange(log.Capacity, 16, 40);
        Assert.Equal(model.Select(n => n.Key), log.OldestFirst().Select(n => n.Key));
        Assert.Same(model[0], log.Last);
    }

    [Fact]
    public void Clear_reports_every_node_most_recent_first_and_leaves_none_in_the_log()
    {
        var log = new RecencyLog<int, int>(new PolicyState());
        var nodes = Enumerable.Range(0, 40).Select(i => new Node<int, int>(i, i, i, Node<int, int>.Never, 1)).ToList();
        nodes.ForEach(log.Add);
        log.MoveToFirst(nodes[0]);
        var visited = new List<int>();
        log.Clear(node => visited.Add(node.Key));
        Assert.Equal(new[] { 0 }.Concat(Enumerable.Range(1, 39).Reverse()), visited);
        Assert.All(nodes, node => Assert.False(node.InRecencyLog));
        Assert.Equal(0, log.Count);
        Assert.Null(log.Last);
    }

    [Fact]
    public void Last_throws_rather_than_loops_when_the_count_says_a_node_is_left_and_none_is()
    {
        var policy = new PolicyState();
        var log = new RecencyLog<int, int>(policy);
        var node = new Node<int, int>(1, 1, 1, Node<int, int>.Never, 1);
        log.Add(node);
        log.Remove(node);
        policy.RecencyCount = 1; // what a bug in the engine's bookkeeping would leave

        var thrown = Assert.Throws<InvalidOperationException>(() => log.Last);
        Assert.Contains("counts 1 nodes but holds none", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_invariant_check_sees_a_stamp_that_is_not_its_slots_and_renumbering_never_goes_back()
    {
        var log = new RecencyLog<int, int>(new PolicyState(), firstSequence: 100);
        var node = new Node<int, int>(1, 1, 1, Node<int, int>.Never, 1);
        log.Add(node);
        Assert.True(log.StampsMatchSlots());
        node.RecencyStamp++;
        Assert.False(log.StampsMatchSlots());
        node.RecencyStamp--;

        Assert.Throws<ArgumentOutOfRangeException>(() => log.RenumberFrom(100)); // below the tail (101): stamps only grow
        log.RenumberFrom(1L << 40);
        Assert.Equal(1L << 40, node.RecencyStamp);
        Assert.True(log.StampsMatchSlots());
    }
}
