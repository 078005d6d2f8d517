using System;
using System.Numerics;

namespace AtomicLru.Policy;

/// <summary>
/// The keys (by their sketch hash) of the last entries one side of Window TinyLFU gave up: a hash is a ghost while it
/// is among the last <c>capacity</c> additions. An open-addressed table, at least twice as many slots as ghosts, holds
/// each ghost with the number of its addition in one of <see cref="Probe"/> slots from its hash's; when all of those
/// hold ghosts already, the new one takes the first (ghosts are a hint: one lost now and then costs the window a step).
/// A ghost found (<see cref="Remove"/>) is forgotten. 8 bytes a slot. Used only under the engine's policy lock.
/// </summary>
internal sealed class GhostList
{
    /// <summary>Slots a hash may take, from its own: one or two cache lines.</summary>
    internal const int Probe = 4;

    /// <summary>The shift that gives a hash's first slot in the first table, of 16 slots.</summary>
    internal const int InitialShift = 32 - 4;

    private ulong[] _slots = new ulong[16]; // the hash in the high half, its addition's number in the low half; 0: empty
    private int _shift = InitialShift; // a hash's first slot is the top log2(length) bits of its mix
    private uint _added;
    private uint _capacity = 1;

    /// <summary>An empty list.</summary>
    /// <param name="lastAddition">Additions are numbered from this + 1: other than 0 only in tests of the count's wrap.</param>
    internal GhostList(uint lastAddition = 0) => _added = lastAddition;

    /// <summary>Slots the table holds: 8 bytes each.</summary>
    internal int SlotCount => _slots.Length;

    /// <summary>Remembers <paramref name="hash"/>; the last <paramref name="capacity"/> additions are the ghosts from now on.</summary>
    internal void Add(int hash, int capacity)
    {
        _capacity = (uint)Math.Max(1, capacity);
        if ((ulong)_slots.Length < 2UL * _capacity)
        {
            Grow();
        }

        if (++_added == 0)
        {
            _added = 1; // 0 marks an empty slot
        }

        Place(_slots, _shift, ((ulong)(uint)hash << 32) | _added);
    }

    /// <summary>True, and forgets it, if <paramref name="hash"/> is a ghost.</summary>
    internal bool Remove(int hash)
    {
        int first = FirstSlot(hash, _shift);
        int mask = _slots.Length - 1;
        for (int i = 0; i < Probe; i++)
        {
            ref ulong slot = ref _slots[(first + i) & mask];
            if (IsGhost(slot) && (int)(slot >> 32) == hash)
            {
                slot = 0;
                return true;
            }
        }

        return false;
    }

    /// <summary>Among the last <see cref="_capacity"/> additions (the count wraps: only the distance matters).</summary>
    private bool IsGhost(ulong slot) => slot != 0 && _added - (uint)slot < _capacity;

    /// <summary>Murmur3's finalizer, so that hashes that differ in a few bits still fall on far-apart slots.</summary>
    internal static int FirstSlot(int hash, int shift)
    {
        uint h = (uint)hash;
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return (int)(h >> shift);
    }

    /// <summary>Puts the ghost where its hash already is, else in the first slot that holds none, else in its first slot.</summary>
    private void Place(ulong[] slots, int shift, ulong ghost)
    {
        int hash = (int)(ghost >> 32);
        int first = FirstSlot(hash, shift);
        int mask = slots.Length - 1;
        int free = -1;
        for (int i = 0; i < Probe; i++)
        {
            int index = (first + i) & mask;
            ulong slot = slots[index];
            if (!IsGhost(slot))
            {
                free = free < 0 ? index : free;
            }
            else if ((int)(slot >> 32) == hash)
            {
                slots[index] = ghost; // given up again: a ghost from its latest time
                return;
            }
        }

        slots[free < 0 ? first : free] = ghost;
    }

    private void Grow()
    {
        int length = _slots.Length;
        while ((ulong)length < 2UL * _capacity)
        {
            length *= 2;
        }

        var slots = new ulong[length];
        int shift = 32 - BitOperations.Log2((uint)length);
        foreach (ulong slot in _slots)
        {
            if (IsGhost(slot))
            {
                Place(slots, shift, slot);
            }
        }

        _slots = slots;
        _shift = shift;
    }
}
