using System;
using System.Collections.Generic;
using System.Threading;
using AtomicLru.Engine;

namespace AtomicLru.Tests;

/// <summary>The hash table on its own: comparers, and what a lock-free lookup does with a node marked Gone.</summary>
public sealed class NodeTableTests
{
    /// <summary>Equal when equal modulo 10: a comparer the default one disagrees with.</summary>
    private sealed class ModuloTen : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x % 10 == y % 10;

        public int GetHashCode(int obj) => obj % 10;
    }

    [Fact]
    public void Value_type_keys_with_a_comparer_of_their_own_are_compared_by_it()
    {
        var table = new NodeTable<int, string>(new ModuloTen());
        table.Add(new Node<int, string>(3, table.GetHash(3), "three", Node<int, string>.Never, 1) { RecencyStamp = 0 }, count: 1);
        Assert.Equal("three", table.Find(13, out _)?.Value);
        Assert.Equal("three", table.FindLocked(23, table.GetHash(23))?.Value);
        Assert.Null(table.Find(4, out _));
    }

    [Fact]
    public void A_lookup_never_takes_a_node_marked_Gone_for_a_hit_and_looks_again_until_it_is_unlinked()
    {
        // The state a reader can meet for a few instructions: a removed (or reused) node still ahead of it in the
        // chain, marked Gone. Here it stays until the test unlinks it, with the key's live node behind it.
        var table = new NodeTable<string, string>(StringComparer.Ordinal);
        var live = new Node<string, string>("k", table.GetHash("k"), "fresh", Node<string, string>.Never, 1) { RecencyStamp = 1 };
        table.Add(live, count: 1);
        var gone = new Node<string, string>("k", table.GetHash("k"), "stale", Node<string, string>.Never, 1) { RecencyStamp = 2 };
        table.Add(gone, count: 2);
        gone.RecencyStamp = Node<string, string>.Gone;

        using var started = new ManualResetEventSlim();
        (string? Value, long Stamp) result = default;
        var reader = new Thread(() =>
        {
            started.Set();
            Node<string, string>? found = table.Find("k", out long stamp);
            result = (found?.Value, stamp);
        });
        reader.Start();
        started.Wait();
        reader.Join(TimeSpan.FromMilliseconds(200)); // a lookup that took the Gone node returns at once
        table.Remove(gone);

        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the lookup did not return once the Gone node was unlinked");
        Assert.Equal(("fresh", 1L), result);
    }
}
