using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace AtomicLru.Policy;

/// <summary>
/// How often each key was seen lately, approximately, in a fixed amount of memory: a count-min sketch of 4-bit
/// counters that halves every counter once it has counted ten times as many events as the cache holds entries, so
/// that old popularity fades. The Window TinyLFU policy asks it which of two entries is worth keeping.
/// </summary>
/// <remarks>
/// <para>Layout: a key's four counters (one per row of the sketch) all lie in one 64-byte block of eight longs, each
/// long sixteen counters: an increment or an estimate touches one cache line. Row <c>r</c> uses long <c>2r</c> or
/// <c>2r + 1</c> of the block and one of its sixteen nibbles, each chosen by other bits of the key's spread hash.</para>
/// <para>The estimate is the least of the four counters (each may only overcount, through other keys that share it),
/// so it is at most 15. An increment raises each of the four that is below 15.</para>
/// <para>The spread hash mixes the caller's 32-bit hash with a seed drawn per sketch, so which keys share counters
/// differs from one cache to the next, and keys chosen to collide in one cannot be chosen for another. Keys whose
/// 32-bit hashes are equal still share every counter, so the engine feeds it a hash an attacker cannot predict
/// (<c>NodeTable.SketchHash</c>; docs/decisions/0014-window-tinylfu.md).</para>
/// <para>A caller may keep counts of its own and add them later (<see cref="Add"/>), counting each event toward the
/// halving when it happens (<see cref="CountEvent"/>) and ageing what it holds by <see cref="Halvings"/>: Window TinyLFU
/// does so for reads, which it counts in the entry.</para>
/// <para>Not thread-safe: the policy uses it under its lock.</para>
/// </remarks>
internal sealed class FrequencySketch
{
    /// <summary>The highest count a counter holds.</summary>
    internal const int MaxFrequency = 15;

    private const long ResetMask = 0x7777_7777_7777_7777L; // each nibble's top bit cleared, after a shift right
    private const long OneMask = 0x1111_1111_1111_1111L;   // each nibble's lowest bit

    private readonly long[] _table;
    private readonly int _blockMask;
    private readonly ulong _seed;
    private readonly int _sampleSize;
    private int _additions;

    /// <summary>A sketch for a cache of about <paramref name="capacity"/> entries.</summary>
    /// <param name="capacity">The entries the cache holds at most (at least 1); sets the memory (8 bytes per entry, rounded up to a
    /// power of two, and at least 8 KB: a small cache meets many more keys than it holds, and a sketch sized to it alone
    /// counted them with so many collisions that it admitted at random: docs/decisions/0014-window-tinylfu.md) and the
    /// aging period (ten events per entry).</param>
    /// <param name="seed">The hash seed; null for a random one, which is what caches use (a fixed one is for tests).</param>
    internal FrequencySketch(int capacity, ulong? seed = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        int longs = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 1024)), 1u << 27);
        _table = new long[longs];
        _blockMask = (longs >> 3) - 1;
        _seed = seed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) | 1;
        Capacity = capacity;
        _sampleSize = (int)Math.Min(10L * capacity, int.MaxValue);
    }

    /// <summary>Counted events since the last halving, as the sketch tracks them (for tests).</summary>
    internal int Additions => _additions;

    /// <summary>The entries the sketch was sized for.</summary>
    internal int Capacity { get; }

    /// <summary>After how many counted events the counters are halved.</summary>
    internal int SampleSize => _sampleSize;

    /// <summary>The estimated recent frequency of the key with this hash, 0 to <see cref="MaxFrequency"/>.</summary>
    internal int Frequency(int hash)
    {
        ulong spread = Spread(hash);
        int block = (int)(spread & (uint)_blockMask) << 3;
        ulong choice = spread >> 32;
        int least = MaxFrequency;
        for (int row = 0; row < 4; row++)
        {
            int shift = Nibble(choice, row);
            int count = (int)((ulong)_table[block + Long(choice, row)] >> shift) & 0xF;
            least = Math.Min(least, count);
        }

        return least;
    }

    /// <summary>How many times the counters have been halved; a caller that holds counts of its own ages them by it.</summary>
    internal int Halvings { get; private set; }

    /// <summary>
    /// Counts an event toward the next halving without counting it for any key: for an event the caller keeps in a count
    /// of its own until it calls <see cref="Add"/>.
    /// </summary>
    internal void CountEvent()
    {
        if (++_additions >= _sampleSize)
        {
            Halve();
        }
    }

    /// <summary>Adds <paramref name="count"/> events, already counted by <see cref="CountEvent"/>, to the key's counters (each stops at <see cref="MaxFrequency"/>).</summary>
    internal void Add(int hash, int count) => AddToCounters(hash, count, out _);

    /// <summary>
    /// Counts one event for the key with this hash; halves every counter once enough events were counted. Returns the
    /// key's <see cref="Frequency"/> before this event, read on the way.
    /// </summary>
    internal int Increment(int hash)
    {
        if (AddToCounters(hash, 1, out int before) && ++_additions >= _sampleSize)
        {
            Halve();
        }

        return before;
    }

    /// <summary>
    /// Adds <paramref name="count"/> to each of the key's four counters, each stopping at <see cref="MaxFrequency"/>; true
    /// if any was below it. <paramref name="before"/>: the least of the four before, the key's estimate.
    /// </summary>
    private bool AddToCounters(int hash, int count, out int before)
    {
        ulong spread = Spread(hash);
        int block = (int)(spread & (uint)_blockMask) << 3;
        ulong choice = spread >> 32;
        bool counted = false;
        before = MaxFrequency;
        for (int row = 0; row < 4; row++)
        {
            ref long word = ref _table[block + Long(choice, row)];
            int shift = Nibble(choice, row);
            long counter = (long)((ulong)word >> shift) & 0xF;
            before = Math.Min(before, (int)counter);
            if (counter < MaxFrequency)
            {
                word += Math.Min(count, MaxFrequency - counter) << shift;
                counted = true;
            }
        }

        return counted;
    }

    /// <summary>Halves every counter (rounding down) and the count of additions, less what the rounding dropped.</summary>
    internal void Halve()
    {
        int dropped = 0;
        for (int i = 0; i < _table.Length; i++)
        {
            long word = _table[i];
            dropped += BitOperations.PopCount((ulong)(word & OneMask));
            _table[i] = (word >> 1) & ResetMask;
        }

        _additions = Math.Max(0, (_additions - (dropped >> 2)) >> 1);
        Halvings++;
    }

    /// <summary>Which long of the block row <paramref name="row"/> uses: 2·row or 2·row + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Long(ulong choice, int row) => (row << 1) + (int)((choice >> (row << 3)) & 1);

    /// <summary>The bit offset of row <paramref name="row"/>'s counter in its long: one of sixteen nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Nibble(ulong choice, int row) => (int)((choice >> ((row << 3) + 1)) & 0xF) << 2;

    /// <summary>The hash mixed with the seed into 64 well-spread bits (a multiply-xorshift finalizer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Spread(int hash)
    {
        ulong x = ((uint)hash | ((ulong)(uint)hash << 32)) ^ _seed;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
