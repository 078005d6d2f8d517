namespace AtomicLru.Engine;

/// <summary>
/// The recency order: a circular doubly linked list through the nodes, most recent first.
/// Used only under the policy lock.
/// </summary>
internal sealed class LruList<TKey, TValue>
    where TKey : notnull
{
    private readonly Node<TKey, TValue> _sentinel = Node<TKey, TValue>.CreateSentinel();

    /// <summary>The least recently used node, or null when the list is empty.</summary>
    internal Node<TKey, TValue>? Last
    {
        get
        {
            Node<TKey, TValue> last = _sentinel.LruPrev!;
            return ReferenceEquals(last, _sentinel) ? null : last;
        }
    }

    /// <summary>The node before <paramref name="node"/> in recency order (more recent), or null at the head.</summary>
    internal Node<TKey, TValue>? Previous(Node<TKey, TValue> node)
    {
        Node<TKey, TValue> previous = node.LruPrev!;
        return ReferenceEquals(previous, _sentinel) ? null : previous;
    }

    internal void AddFirst(Node<TKey, TValue> node)
    {
        Node<TKey, TValue> first = _sentinel.LruNext!;
        node.LruPrev = _sentinel;
        node.LruNext = first;
        first.LruPrev = node;
        _sentinel.LruNext = node;
    }

    internal void MoveToFirst(Node<TKey, TValue> node)
    {
        if (ReferenceEquals(_sentinel.LruNext, node))
        {
            return;
        }

        node.LruPrev!.LruNext = node.LruNext;
        node.LruNext!.LruPrev = node.LruPrev;
        AddFirst(node);
    }

    /// <summary>Unlinks the node and clears its links, which marks it as gone from the cache.</summary>
    internal static void Remove(Node<TKey, TValue> node)
    {
        node.LruPrev!.LruNext = node.LruNext;
        node.LruNext!.LruPrev = node.LruPrev;
        node.LruPrev = null;
        node.LruNext = null;
    }

    /// <summary>Detaches every node, most recent first, into <paramref name="visit"/>'s hands.</summary>
    internal void Clear(System.Action<Node<TKey, TValue>> visit)
    {
        Node<TKey, TValue> node = _sentinel.LruNext!;
        while (!ReferenceEquals(node, _sentinel))
        {
            Node<TKey, TValue> next = node.LruNext!;
            node.LruPrev = null;
            node.LruNext = null;
            visit(node);
            node = next;
        }

        _sentinel.LruPrev = _sentinel.LruNext = _sentinel;
    }
}
