using System;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// A lock-free reader trusts what it read from a node only if the node's recency stamp is the same before and
/// after. A node reused for another key gets a new stamp, and a stamp never comes back: not even when the sequence
/// has moved 2^31 on, where a 31-bit stamp wrapped to the very value a suspended reader holds.
/// </summary>
public sealed class StampWrapTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData((1L << 31) - 3)] // the reader's stamp just before where a 31-bit stamp wrapped
    [InlineData((1L << 32) - 2)] // low 32 bits of the next stamps are those of Gone
    public void A_reader_suspended_while_its_node_is_reused_2_to_the_31_updates_later_sees_the_change(long firstSequence)
    {
        using var engine = new LruEngine<string, string>(maxItems: 1, maxSize: null, new FakeTimeProvider(), TimeSpan.FromSeconds(1), StringComparer.Ordinal);
        engine.RenumberRecency(firstSequence);
        engine.Set("a", "value of a", Timeout.InfiniteTimeSpan, 1);

        // A reader finds a's node and reads its value, then is suspended before its second stamp check.
        Node<string, string>? node = engine.Table.Find("a", out long stamp);
        Assert.NotNull(node);
        Assert.Equal("value of a", node!.Value);

        // Meanwhile the recency sequence moves 2^31 on (as it would after that many updates), and a Set of another
        // key evicts a and reuses its node, which takes the stamp at exactly that distance.
        engine.RenumberRecency(stamp + (1L << 31) - 1);
        engine.Set("b", "value of b", Timeout.InfiniteTimeSpan, 1);
        Assert.Same(node, engine.Table.Find("b", out _)); // the very node, reused
        Assert.Equal("value of b", node.Value);

        // The reader resumes: the stamp check must fail, or it would return b's value for a.
        Assert.False(NodeTable<string, string>.StillHolds(node, stamp), "a reused node passed the stamp check: a reader would return another key's value");
        Assert.False(engine.TryGet("a", out _));
        engine.CheckInvariants();
    }
}
