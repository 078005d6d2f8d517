using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

// The structural invariants, checked by tests after their runs.
internal sealed partial class LruEngine<TKey, TValue>
{
    /// <summary>
    /// Walks every structure under the lock and throws if they disagree: for tests, after concurrent runs.
    /// O(n); never called by the product.
    /// </summary>
    internal void CheckInvariants()
    {
        _policy.Enter();
        try
        {
            int linked = 0;
            long size = 0;
            var seen = new HashSet<Node<TKey, TValue>>(ReferenceEqualityComparer.Instance);
            foreach (Node<TKey, TValue> node in NodesLocked())
            {
                linked++;
                size += node.Size;
                Assert(seen.Add(node), "a node appears twice in the recency log");
                Assert(ReferenceEquals(_table.FindLocked(node.Key, node.Hash), node), "a listed node is not the table's node for its key");
                Assert((node is TimedNode<TKey, TValue> { WheelNext: not null }) == (node.ExpiresAt != Node<TKey, TValue>.Never), "a node with an expiry is not in the wheel, or one without is");
                Assert(node is not SlidingNode<TKey, TValue> sliding || node.ExpiresAt <= sliding.Cap, "a sliding expiry passed its absolute cap");
                Assert(node.Kind == (node is SlidingNode<TKey, TValue> ? NodeKind.Sliding : node is TimedNode<TKey, TValue> ? NodeKind.Timed : NodeKind.Plain), "a node's kind bits disagree with its class");
            }

            if (_lfu is null)
            {
                Assert(_recency.StampsMatchSlots(), "a node's recency stamp is not that of its slot in the log");
                Assert(_recency.UnsweptNodes() < RecencyLog<TKey, TValue>.SweepEvery, "evicted nodes pile up behind the recency log's head");
            }
            else
            {
                _lfu.CheckInvariants();
            }

            int tabled = _table.CountByWalking();
            Assert(linked == tabled && linked == Count, $"the recency order holds {linked} nodes and counts {Count}, the table holds {tabled}");
            long pinned = 0, pinnedSize = 0;
            foreach (Node<TKey, TValue> node in seen)
            {
                pinned += node.Pinned ? 1 : 0;
                pinnedSize += node.Pinned ? node.Size : 0;
            }

            Assert(pinned == _policy.PinnedCount, $"{pinned} pinned nodes, the engine counts {_policy.PinnedCount}");
            Assert(pinnedSize == _policy.PinnedSize, $"pinned nodes' sizes add up to {pinnedSize}, the engine counts {_policy.PinnedSize}");
            Assert(size == _policy.Size, $"node sizes add up to {size}, the engine counts {_policy.Size}");
            // Over a limit only when every entry held is pinned: a Reconfigure below the pinned entries keeps them.
            bool allPinned = Count == _policy.PinnedCount;
            Assert(Count <= _maxItems || allPinned, $"{Count} entries exceed MaxItems {_maxItems}");
            Assert(_policy.Size <= _maxSize || allPinned, $"{_policy.Size} exceeds the size limit {_maxSize}");
        }
        finally
        {
            _policy.Exit();
        }

        static void Assert(bool condition, string message)
        {
            if (!condition)
            {
                throw new InvalidOperationException("Engine invariant broken: " + message);
            }
        }
    }
}
