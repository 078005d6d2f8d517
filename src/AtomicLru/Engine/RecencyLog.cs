using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>
/// The recency order: an append-only log of node references, oldest first. Making a node the most recent
/// appends it and empties its older slot, so every node in the cache has exactly one slot, and the
/// least recently used node is the first one found from the head. Used only under the policy lock.
/// </summary>
/// <remarks>
/// <para>Why a log and not a doubly linked list: a list moves a node to the front by relinking its two
/// neighbours, which are cold in a large cache, so every replayed read cost two cache misses and every
/// eviction one more (the new tail). The log writes to the node being moved (already in cache: it was
/// just read), to its old slot and to the tail slot; an eviction touches only its victim. The order it
/// keeps is the same exact LRU order.</para>
/// <para>A node's <see cref="NodeLookupFields{TKey}.RecencyStamp"/> is the sequence number of its slot
/// (<see cref="StampOf"/>), or <see cref="NodeLookupFields{TKey}.Gone"/> before it is first added and once it is
/// removed. Slot <c>s</c> lives at index <c>s &amp; mask</c>, which the stamp gives too, and no two slots ever share
/// a stamp. Empty slots are left behind as holes; the head skips
/// them, and when the log is full it either closes the holes (when at most half the slots are in use: each
/// node moved costs one write to it, paid for by the half of the log it frees) or doubles.</para>
/// <para>Evicting the least recent node moves the head past its slot without emptying it; the slots left
/// behind the head are emptied together once there are <see cref="SweepEvery"/> of them (or before an
/// append would reuse one). Why: evictions by two threads in turn emptied neighbouring slots, so the head's
/// cache line crossed between the cores on nearly every eviction; now both only read it, and one of them
/// writes it once per sweep. The price is that an evicted node stays reachable from the log until the next
/// sweep: at most <see cref="SweepEvery"/> - 1 nodes, and the engine asks for this only for small entries.</para>
/// <para>Every removal, eviction included, writes <see cref="NodeLookupFields{TKey}.Gone"/> into the node, so
/// <see cref="NodeLookupFields{TKey}.InRecencyLog"/> reads only the node. Why: every replayed read asks it, and
/// the node is in cache then (its reader just loaded it) where the slot, a random one in a large log, is not. The
/// price is a write to every evicted node (docs/decisions/0004-recency-log.md).</para>
/// </remarks>
internal sealed class RecencyLog<TKey, TValue>
    where TKey : notnull
{
    private const int InitialCapacity = 16;

    /// <summary>How many slots behind the head may be left unswept (see the remarks): the 8 references of a cache line.</summary>
    internal const int SweepEvery = 8;

    /// <summary>The most slots the log holds: 2^30. The engine keeps at most one entry fewer, so that a log this
    /// large that fills up always has a hole to close (a move empties its node's old slot before appending).</summary>
    internal const int MaxCapacity = 1 << 30;

    private Slot[] _slots = new Slot[InitialCapacity];

    /// <summary>The engine's policy state, which keeps the log's ends and count on its line (see <see cref="PolicyState"/>).</summary>
    private readonly PolicyState _policy;

    /// <summary>An empty log whose ends live in <paramref name="policy"/>.</summary>
    /// <param name="policy">The engine's policy state; the log is used only under its lock.</param>
    /// <param name="firstSequence">The sequence number of the first slot: 0, but tests start near where stamps wrap.</param>
    internal RecencyLog(PolicyState policy, long firstSequence = 0)
    {
        _policy = policy;
        Head = Tail = firstSequence;
    }

    /// <summary>Nodes in the log: the entries in the cache. Written under the lock; anyone may read it.</summary>
    internal int Count => Volatile.Read(ref Nodes);

    /// <summary>Slots the log holds, used or not: what it costs in memory.</summary>
    internal int Capacity => _slots.Length;

    /// <summary>The first sequence number in use.</summary>
    private ref long Head => ref _policy.RecencyHead;

    /// <summary>The next sequence number.</summary>
    private ref long Tail => ref _policy.RecencyTail;

    /// <summary>Nodes in the log.</summary>
    private ref int Nodes => ref _policy.RecencyCount;

    /// <summary>Slots behind the head not yet swept, some holding an evicted node.</summary>
    private ref int Unswept => ref _policy.RecencyUnswept;

    /// <summary>The least recently used node, or null when the log is empty.</summary>
    internal Node<TKey, TValue>? Last
    {
        get
        {
            if (Nodes == 0)
            {
                return null;
            }

            Slot[] slots = _slots;
            int mask = slots.Length - 1;
            Node<TKey, TValue>? node;
            while ((node = slots[(int)Head & mask].Node) is null)
            {
                if (Head == Tail)
                {
                    // Count says a node is left, but no slot holds one: a bug, and looping on would hang the caller.
                    throw new InvalidOperationException($"The recency log counts {Nodes} nodes but holds none between head and tail.");
                }

                AdvanceHead(leftBehind: false);
            }

            return node;
        }
    }

    /// <summary>Adds a node that is not in the log as the most recent.</summary>
    internal void Add(Node<TKey, TValue> node)
    {
        Append(node);
        Nodes++;
    }

    /// <summary>
    /// Adds a node that takes the place of one in the log (an overwrite) as the most recent, leaving the count alone:
    /// the caller publishes it, then takes the old node out with <see cref="RemoveReplaced"/>.
    /// </summary>
    internal void AddInPlaceOf(Node<TKey, TValue> node) => Append(node);

    /// <summary>Takes out a node whose place another took (<see cref="AddInPlaceOf"/>): its slot is emptied, its stamp becomes Gone, the count stays.</summary>
    internal void RemoveReplaced(Node<TKey, TValue> node)
    {
        _slots[(int)node.RecencyStamp & (_slots.Length - 1)].Node = null;
        node.RecencyStamp = Node<TKey, TValue>.Gone;
    }

    /// <summary>Makes a node that is in the log the most recent.</summary>
    internal void MoveToFirst(Node<TKey, TValue> node)
    {
        long stamp = node.RecencyStamp;
        if (stamp == StampOf(Tail - 1))
        {
            return; // already the most recent: a hot key read over and over costs nothing
        }

        _slots[(int)stamp & (_slots.Length - 1)].Node = null;
        Append(node);
    }

    /// <summary>
    /// Moves a node that is in this log to <paramref name="target"/>, as its most recent: the node's stamp goes straight
    /// from this log's slot to the target's (never through <see cref="NodeLookupFields{TKey}.Gone"/>), as a move within one
    /// log does; a lock-free reader holding the old stamp looks again. For the regions of Window TinyLFU, whose logs
    /// number their slots in disjoint ranges (see <see cref="RecencyLog{TKey,TValue}(PolicyState, long)"/>).
    /// </summary>
    internal void MoveTo(RecencyLog<TKey, TValue> target, Node<TKey, TValue> node)
    {
        _slots[(int)node.RecencyStamp & (_slots.Length - 1)].Node = null;
        Nodes--;
        target.Append(node);
        target.Nodes++;
    }

    /// <summary>
    /// The least recent node that may be evicted: not pinned and not <paramref name="keep"/>, which are moved to the front,
    /// out of the way, as they are met. Null if the log holds no such node.
    /// </summary>
    internal Node<TKey, TValue>? OldestEvictable(Node<TKey, TValue>? keep = null)
    {
        for (int looked = 0, count = Nodes; looked < count; looked++)
        {
            Node<TKey, TValue> node = Last!;
            if (!node.Pinned && !ReferenceEquals(node, keep))
            {
                return node;
            }

            MoveToFirst(node);
        }

        return null;
    }

    /// <summary>
    /// Takes a node out of the log by emptying its slot; but with <paramref name="sweepLater"/>, the least recent
    /// node (an eviction) by moving the head past its slot, which the next sweep empties. Either way the node's
    /// stamp becomes <see cref="NodeLookupFields{TKey}.Gone"/>.
    /// </summary>
    internal void Remove(Node<TKey, TValue> node, bool sweepLater = false)
    {
        long stamp = node.RecencyStamp;
        if (sweepLater && stamp == StampOf(Head))
        {
            AdvanceHead(leftBehind: true);
        }
        else
        {
            _slots[(int)stamp & (_slots.Length - 1)].Node = null;
        }

        node.RecencyStamp = Node<TKey, TValue>.Gone;
        Nodes--;
    }

    /// <summary>
    /// True if the node, which is in the log, lies in the newest quarter of the slots between head and tail: moving
    /// it to the front would change which node is evicted next only after a quarter of the log has been appended.
    /// </summary>
    internal bool IsAmongNewest(Node<TKey, TValue> node)
    {
        return Tail - node.RecencyStamp <= (Tail - Head) >> 2;
    }

    /// <summary>Slots outside head to tail that still hold a node: at most <see cref="SweepEvery"/> - 1. For invariant checks.</summary>
    internal int UnsweptNodes()
    {
        int held = 0;
        foreach (Slot slot in _slots)
        {
            held += slot.Node is null ? 0 : 1;
        }

        for (long sequence = Head; sequence < Tail; sequence++)
        {
            held -= _slots[(int)sequence & (_slots.Length - 1)].Node is null ? 0 : 1;
        }

        return held;
    }

    /// <summary>Moves the head one slot on; <paramref name="leftBehind"/> says the slot still holds its (evicted) node.</summary>
    private void AdvanceHead(bool leftBehind)
    {
        Head++;
        if ((leftBehind || Unswept != 0) && ++Unswept == SweepEvery)
        {
            Sweep();
        }
    }

    /// <summary>Empties the slots the head has left behind since the last sweep; only those that hold a node are written.</summary>
    private void Sweep()
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        for (long sequence = Head - Unswept; sequence < Head; sequence++)
        {
            ref Node<TKey, TValue>? slot = ref slots[(int)sequence & mask].Node;
            if (slot is not null)
            {
                slot = null;
            }
        }

        Unswept = 0;
    }

    /// <summary>The nodes from the least to the most recently used. Nothing may change the log meanwhile.</summary>
    internal IEnumerable<Node<TKey, TValue>> OldestFirst()
    {
        for (long sequence = Head; sequence < Tail; sequence++)
        {
            Node<TKey, TValue>? node = _slots[(int)sequence & (_slots.Length - 1)].Node;
            if (node is not null)
            {
                yield return node;
            }
        }
    }

    /// <summary>Marks every node as gone and hands each, most recent first, to <paramref name="visit"/>; then starts afresh.</summary>
    internal void Clear(System.Action<Node<TKey, TValue>> visit)
    {
        for (long sequence = Tail - 1; sequence >= Head; sequence--)
        {
            Node<TKey, TValue>? node = _slots[(int)sequence & (_slots.Length - 1)].Node;
            if (node is not null)
            {
                node.RecencyStamp = Node<TKey, TValue>.Gone;
                visit(node);
            }
        }

        _slots = new Slot[InitialCapacity];
        Head = Tail; // sequence numbers go on growing: see StampOf
        Unswept = 0;
        Nodes = 0;
    }

    private void Append(Node<TKey, TValue> node)
    {
        if (Tail - Head + Unswept == _slots.Length)
        {
            // The tail would reuse a slot the head left behind: sweep first; make room only if the log is still full.
            Sweep();
            if (Tail - Head == _slots.Length)
            {
                MakeSpace();
            }
        }

        node.RecencyStamp = StampOf(Tail);
        _slots[(int)Tail & (_slots.Length - 1)].Node = node;
        Tail++;
    }

    /// <summary>The log is full: close its holes if that frees at least half of it, else double it.</summary>
    private void MakeSpace()
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        if (Nodes <= slots.Length / 2 || (slots.Length == MaxCapacity && Nodes < MaxCapacity))
        {
            // Slide every node towards the head, in order; the write index never passes the read index. The
            // nodes get new sequence numbers, from the tail on: slot Tail + i lies where slot Head + i does (the
            // log is full, so Tail - Head is its length), and no node's stamp ever goes back to an earlier value.
            long write = Tail;
            for (long read = Head; read < Tail; read++)
            {
                ref Node<TKey, TValue>? from = ref slots[(int)read & mask].Node;
                Node<TKey, TValue>? node = from;
                if (node is null)
                {
                    continue;
                }

                from = null;
                node.RecencyStamp = StampOf(write);
                slots[(int)write & mask].Node = node;
                write++;
            }

            Head = Tail;
            Tail = write;
            return;
        }

        Debug.Assert(slots.Length < MaxCapacity, "the engine keeps fewer than MaxCapacity entries, so a full log at its largest has a hole to close");
        // Each slot keeps its sequence number, so the nodes' stamps stay right.
        var grown = new Slot[slots.Length * 2];
        int grownMask = grown.Length - 1;
        for (long sequence = Head; sequence < Tail; sequence++)
        {
            grown[(int)sequence & grownMask] = slots[(int)sequence & mask];
        }

        _slots = grown;
    }

    /// <summary>
    /// The stamp of the slot with this sequence number: the number itself, never negative, so never
    /// <see cref="NodeLookupFields{TKey}.Gone"/>; masked with the log's mask, it is the slot's index.
    /// Sequence numbers only grow (an append takes the tail's, a compaction renumbers from the tail on, a clear
    /// goes on from the tail), and at a billion a second they would take 292 years to wrap, so a node's stamp never
    /// takes a value it had before: lock-free readers rely on this to notice that a node was reused (see
    /// <see cref="NodeTable{TKey,TValue}.Find"/>). Why 64 bits: a 31-bit stamp came back after 2^31 recency
    /// updates (under a minute at full speed), and a lookup suspended that long could have taken another key's value.
    /// </summary>
    internal static long StampOf(long sequence) => sequence;

    /// <summary>
    /// Renumbers the nodes, in order, from sequence <paramref name="first"/> on, as a compaction would from the tail:
    /// for tests that need the sequence far ahead (where a narrower stamp would have wrapped) without appending that often.
    /// </summary>
    internal void RenumberFrom(long first)
    {
        if (first < Tail)
        {
            throw new ArgumentOutOfRangeException(nameof(first), first, "Sequence numbers only grow.");
        }

        List<Node<TKey, TValue>> nodes = [.. OldestFirst()];
        _slots = new Slot[_slots.Length];
        Head = Tail = first;
        Unswept = 0;
        foreach (Node<TKey, TValue> node in nodes)
        {
            Append(node);
        }
    }

    /// <summary>True if every node's stamp is that of the slot it is in. For invariant checks; O(n).</summary>
    internal bool StampsMatchSlots()
    {
        for (long sequence = Head; sequence < Tail; sequence++)
        {
            Node<TKey, TValue>? node = _slots[(int)sequence & (_slots.Length - 1)].Node;
            if (node is not null && node.RecencyStamp != StampOf(sequence))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A slot; a struct, so writing it skips the array-covariance check a <c>Node[]</c> element would cost.</summary>
    private struct Slot
    {
        internal Node<TKey, TValue>? Node;
    }
}
