using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AtomicLru.Engine;

/// <summary>
/// The engine's policy lock (taken through <see cref="PolicyState"/>): a word that lives inside
/// <see cref="PolicyLine"/>, beside the fields every write changes, so that taking the lock brings those fields to
/// the writer's core in the same cache-line transfer.
/// A <see cref="Lock"/> keeps its word in an object of its own: with two threads writing by turns, that was
/// one more line crossing between the cores on every write (docs/decisions/0005-policy-lock-on-the-write-line.md).
/// </summary>
/// <remarks>
/// <para>The protocol is the classic three-state mutex: <see cref="State"/> is <see cref="Free"/>,
/// <see cref="Held"/>, or <see cref="Contended"/> (held, and some thread may be waiting). Entering is one
/// compare-and-swap from free to held. A thread that finds the lock taken spins a few microseconds (a write
/// holds it for well under one), then yields its core a few times (a holder that was descheduled, or a write that
/// also replays reads, gets to finish), and only then marks it contended and waits on the gate object's monitor;
/// a wait and its wake-up cost far more than a write holds the lock. Leaving
/// swaps in free and, only if the old state was contended, pulses the gate. A waiter checks the state under
/// the gate before it waits, and the leaver pulses under the gate after it freed the word, so a pulse cannot
/// fall between a waiter's check and its wait: no wake-up is lost. Woken, a waiter swaps in contended (it
/// cannot know whether others still wait), so the next leaver pulses again; at worst one pulse finds no waiter.</para>
/// <para>A user write takes the lock as <see cref="HeldByWrite"/> rather than <see cref="Held"/> (both mean held and
/// nobody marked waiting), so that a write which finds the lock in that state knows its call overlaps another
/// write. Once a waiter marks the lock contended, who holds it is no longer recorded; a write then counts as
/// overlapping only if it saw that state before.</para>
/// <para>Not fair, like <see cref="Monitor"/>: a thread that arrives while the lock is free takes it even if
/// others are waiting, which keeps the lock busy rather than idle while a woken waiter gets back on a core.</para>
/// <para>Not reentrant: a thread that enters twice waits for itself forever. The engine never does; the one
/// path that could (a <see cref="TimeProvider"/> running the maintenance timer on a thread that reads its clock
/// inside a locked section) checks <see cref="IsHeldByCurrentThread"/> first.</para>
/// </remarks>
internal struct PolicyLock
{
    internal const int Free = 0;
    internal const int Held = 1;
    internal const int Contended = 2;

    /// <summary>Held by a user write (Set, GetOrAdd): a thread that finds this state knows its own write overlaps another.</summary>
    internal const int HeldByWrite = 5;

    internal int State;

    /// <summary>
    /// Spins before a waiter blocks: <see cref="SpinWait"/>'s first ten busy-wait, the next ten yield the core.
    /// Why yields too: Window TinyLFU's writes hold the lock longer, and with ten spins alone two threads went to the
    /// monitor ten times as often as under LRU (docs/decisions/0005-policy-lock-on-the-write-line.md).
    /// </summary>
    private const int SpinsBeforeWaiting = 20;

    /// <summary>The managed thread id of the holder, 0 when free; written only by the holder.</summary>
    private int _owner;

    /// <summary>True if the calling thread holds the lock.</summary>
    internal readonly bool IsHeldByCurrentThread => Volatile.Read(in _owner) == Environment.CurrentManagedThreadId;

    /// <summary>Takes the lock, waiting (spinning, then blocking on <paramref name="gate"/>'s monitor) while another thread holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Enter(object gate)
    {
        if (Interlocked.CompareExchange(ref State, Held, Free) != Free)
        {
            EnterContended(gate, Held, sawWrite: false);
        }

        _owner = Environment.CurrentManagedThreadId;
    }

    /// <summary>
    /// Takes the lock for a user write, as <see cref="Enter"/> does, and returns true if, while trying, it saw the
    /// lock held by another user write: the two calls then overlapped, which is what lets the engine apply reads'
    /// recency late (see <c>LruEngine.MaintainLocked</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool EnterWrite(object gate)
    {
        int seen = Interlocked.CompareExchange(ref State, HeldByWrite, Free);
        bool overlapped = seen != Free && EnterContended(gate, HeldByWrite, seen == HeldByWrite);
        _owner = Environment.CurrentManagedThreadId;
        return overlapped;
    }

    /// <summary>Takes the lock if it is free; never waits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryEnter()
    {
        if (Volatile.Read(ref State) == Free && Interlocked.CompareExchange(ref State, Held, Free) == Free)
        {
            _owner = Environment.CurrentManagedThreadId;
            return true;
        }

        return false;
    }

    /// <summary>Releases the lock, which the calling thread holds, and wakes a waiter if there may be one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Exit(object gate)
    {
        _owner = 0;
        if (Interlocked.Exchange(ref State, Free) == Contended)
        {
            WakeOne(gate);
        }
    }

    /// <summary>Waits for the lock and takes it as <paramref name="held"/>; returns whether it saw it held by a user write, or <paramref name="sawWrite"/> already.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool EnterContended(object gate, int held, bool sawWrite)
    {
        var spinner = new SpinWait();
        while (spinner.Count < SpinsBeforeWaiting)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            int state = Volatile.Read(ref State);
            if (state == Free && Interlocked.CompareExchange(ref State, held, Free) == Free)
            {
                return sawWrite;
            }

            sawWrite |= state == HeldByWrite;
        }

        // From here on the state is Contended while anyone waits, so who holds it is no longer known.
        while (Interlocked.Exchange(ref State, Contended) is int previous && previous != Free)
        {
            sawWrite |= previous == HeldByWrite;
            lock (gate)
            {
                if (Volatile.Read(ref State) == Contended)
                {
                    Monitor.Wait(gate);
                }
            }
        }

        return sawWrite;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WakeOne(object gate)
    {
        lock (gate)
        {
            Monitor.Pulse(gate);
        }
    }
}
