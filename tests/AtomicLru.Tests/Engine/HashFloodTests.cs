using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// String keys get a fast hash that is the same in every process, so keys can be crafted to collide under it.
/// These tests craft them (by running the hash's step backwards) and check that the table notices the flood
/// and moves to the randomized hash, losing nothing.
/// </summary>
public sealed class HashFloodTests
{
    /// <summary>
    /// Eight-character keys with one non-randomized hash: random first four characters, and last four chosen so
    /// that both lanes of <see cref="NodeTable{TKey,TValue}.NonRandomizedHash"/> end on the same values.
    /// </summary>
    internal static List<string> CollidingKeys(int count, int seed)
    {
        const uint Lane1Target = 0x12345678u;
        const uint Lane2Target = 0x9ABCDEF0u;
        var random = new Random(seed);
        var keys = new HashSet<string>();
        while (keys.Count < count)
        {
            char[] chars = new char[8];
            for (int i = 0; i < 4; i++)
            {
                chars[i] = (char)random.Next('a', 'z' + 1);
            }

            // The lanes' starting values, as the hash sets them up for an eight-character key.
            uint lane1 = NodeTable<string, string>.Step(NodeTable<string, string>.Lane1Seed ^ 8u, chars[0] | ((uint)chars[1] << 16));
            uint lane2 = NodeTable<string, string>.Step(NodeTable<string, string>.Lane2Seed, chars[2] | ((uint)chars[3] << 16));

            // Step(lane, chunk) = mix(lane) ^ chunk, so the chunk that lands on a target is mix(lane) ^ target.
            uint chunk1 = NodeTable<string, string>.Step(lane1, 0) ^ Lane1Target;
            uint chunk2 = NodeTable<string, string>.Step(lane2, 0) ^ Lane2Target;
            chars[4] = (char)chunk1;
            chars[5] = (char)(chunk1 >> 16);
            chars[6] = (char)chunk2;
            chars[7] = (char)(chunk2 >> 16);
            keys.Add(new string(chars));
        }

        return [.. keys];
    }

    [Fact]
    public void Crafted_keys_really_share_one_hash()
    {
        List<string> keys = CollidingKeys(50, seed: 1);
        Assert.Single(keys.Select(NodeTable<string, string>.NonRandomizedHash).Distinct());
    }

    [Fact]
    public void A_flood_of_colliding_keys_moves_the_table_to_randomized_hashing_and_every_key_stays_found()
    {
        var table = new NodeTable<string, string>(null);
        List<string> keys = CollidingKeys(NodeTable<string, string>.CollisionThreshold * 4, seed: 2);
        for (int i = 0; i < keys.Count; i++)
        {
            // Stamped as the recency log would: a lock-free lookup looks again at a node whose stamp says Gone.
            table.Add(new Node<string, string>(keys[i], table.GetHash(keys[i]), keys[i], Node<string, string>.Never, 1) { RecencyStamp = i }, count: i + 1);
            Assert.Equal(i > NodeTable<string, string>.CollisionThreshold, table.HasRandomizedStrings);
            if (i == NodeTable<string, string>.CollisionThreshold + 1)
            {
                // Right after the switch, before any resize relinks the table: every key is in its new bucket already.
                Assert.All(keys.Take(i + 1), key => Assert.Equal(key, table.Find(key, out _)?.Value));
            }
        }

        Assert.All(keys, key => Assert.Equal(key, table.Find(key, out _)?.Value));
        Assert.All(keys, key => Assert.Same(table.Find(key, out _), table.FindLocked(key, table.GetHash(key))));
        Assert.Null(table.Find("not there", out _));
    }

    [Fact]
    public void Ordinary_keys_keep_the_fast_hash()
    {
        var table = new NodeTable<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < 200_000; i++)
        {
            string key = "user:" + i;
            table.Add(new Node<string, string>(key, table.GetHash(key), key, Node<string, string>.Never, 1), count: i + 1);
        }

        Assert.False(table.HasRandomizedStrings);
        Assert.Equal(NodeTable<string, string>.NonRandomizedHash("user:7"), table.GetHash("user:7"));
    }

    [Fact]
    public void Through_the_engine_a_flood_loses_nothing_and_keeps_the_lru_order()
    {
        using var engine = new LruEngine<string, string>(maxItems: 500, maxSize: null, new FakeTimeProvider(), TimeSpan.FromSeconds(1));
        List<string> keys = CollidingKeys(600, seed: 3);
        foreach (string key in keys)
        {
            engine.Set(key, key, Timeout.InfiniteTimeSpan, 1);
        }

        engine.CheckInvariants();
        Assert.Equal(500, engine.Count);
        Assert.All(keys.Take(100), key => Assert.False(engine.ContainsKey(key)));
        Assert.All(keys.Skip(100), key => Assert.True(engine.TryGet(key, out string? value) && value == key));
        Assert.Equal(keys.Skip(100), engine.SnapshotKeys().AsEnumerable().Reverse());
    }
}
