using AtomicLru.Engine;

namespace AtomicLru.Tests;

/// <summary>The node's size word: size, kind, pinned flag and Window TinyLFU's uncounted reads share one long.</summary>
public sealed class NodeTests
{
    [Fact]
    public void Size_pinned_kind_and_uncounted_reads_are_kept_apart_in_one_word()
    {
        long largest = Node<string, string>.MaxSize - 1;
        var node = new TimedNode<string, string>("k", 1, "v", expiresAt: 10, size: largest);
        node.Pinned = true;
        node.UncountedReads = (7, 3);

        Assert.Equal(largest, node.Size);
        Assert.True(node.Pinned);
        Assert.Equal(NodeKind.Timed, node.Kind);
        Assert.Equal((7, 3), node.UncountedReads);

        node.Size = 5;
        node.Pinned = false;
        Assert.Equal((7, 3), node.UncountedReads);
        node.UncountedReads = (0, 2);
        Assert.Equal(5, node.Size);
        Assert.False(node.Pinned);
        Assert.Equal(NodeKind.Timed, node.Kind);
        Assert.Equal((0, 2), node.UncountedReads);
    }

    [Fact]
    public void A_reused_node_starts_with_no_uncounted_reads()
    {
        var node = new Node<string, string>("old", 1, "v", Node<string, string>.Never, 3) { UncountedReads = (5, 1) };

        node.Reuse("new", 2, "w", Node<string, string>.Never, 4);

        Assert.Equal((0, 0), node.UncountedReads);
        Assert.Equal(4, node.Size);
        Assert.Equal(NodeKind.Plain, node.Kind);
    }
}
