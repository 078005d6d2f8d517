using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using AtomicLru.Engine;

namespace AtomicLru.Tests;

/// <summary>The policy lock: mutual exclusion under more threads than cores, and no waiter left asleep.</summary>
public sealed class PolicyLockTests
{
    /// <summary>The lock and what it guards, in one object, as in the engine.</summary>
    private sealed class Guarded
    {
        internal readonly object Gate = new();
        internal PolicyLock Lock;
        internal long First;
        internal long Second;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)] // eight threads a core: holders are preempted, so waiters spin out and block
    public void No_increment_made_under_the_lock_is_lost_however_many_threads_take_it(int threads)
    {
        const int Rounds = 5;
        const int PerThread = 40_000;
        for (int round = 0; round < Rounds; round++)
        {
            var guarded = new Guarded();
            Threads.RunAtOnce(threads, id =>
            {
                for (int i = 0; i < PerThread; i++)
                {
                    if ((i & 7) == 0 && guarded.Lock.TryEnter())
                    {
                        Update(guarded);
                        continue;
                    }

                    guarded.Lock.Enter(guarded.Gate);
                    Update(guarded);
                }
            });

            Assert.Equal((long)threads * PerThread, guarded.First);
            Assert.Equal(guarded.First, guarded.Second);
            Assert.Equal(PolicyLock.Free, guarded.Lock.State);
        }

        static void Update(Guarded guarded)
        {
            // Two plain read-modify-writes with the holder's check between them: a second thread inside would
            // lose increments or see the fields apart.
            long first = guarded.First;
            if (!guarded.Lock.IsHeldByCurrentThread || guarded.Second != first)
            {
                throw new InvalidOperationException("Two threads were inside the lock at once.");
            }

            guarded.First = first + 1;
            guarded.Second = first + 1;
            guarded.Lock.Exit(guarded.Gate);
        }
    }

    [Fact]
    public void Threads_that_blocked_while_the_lock_was_held_all_get_it_once_it_is_released()
    {
        const int Waiters = 8;
        var guarded = new Guarded();
        guarded.Lock.Enter(guarded.Gate);
        int entered = 0;
        Thread[] waiters = Enumerable.Range(0, Waiters).Select(_ => new Thread(() =>
        {
            guarded.Lock.Enter(guarded.Gate);
            entered++;
            guarded.Lock.Exit(guarded.Gate);
        })
        {
            IsBackground = true, // a waiter never woken must not keep the test process alive
        }).ToArray();
        foreach (Thread waiter in waiters)
        {
            waiter.Start();
        }

        // A waiter marks the lock contended only after spinning out, just before it blocks on the gate.
        var spinner = new SpinWait();
        while (Volatile.Read(ref guarded.Lock.State) != PolicyLock.Contended)
        {
            spinner.SpinOnce();
        }

        Assert.Equal(0, entered);
        Assert.False(guarded.Lock.TryEnter()); // held, and not reentrant
        guarded.Lock.Exit(guarded.Gate);
        foreach (Thread waiter in waiters)
        {
            Assert.True(waiter.Join(TimeSpan.FromSeconds(30)), "a waiter was never woken");
        }

        Assert.Equal(Waiters, entered);
        Assert.Equal(PolicyLock.Free, guarded.Lock.State);
    }

    [Fact]
    public void TryEnter_fails_while_another_thread_holds_the_lock_and_only_the_holder_is_told_it_holds_it()
    {
        var guarded = new Guarded();
        Assert.True(guarded.Lock.TryEnter());
        Assert.True(guarded.Lock.IsHeldByCurrentThread);
        bool otherGotIt = true;
        bool otherHeldIt = true;
        var other = new Thread(() =>
        {
            otherGotIt = guarded.Lock.TryEnter();
            otherHeldIt = guarded.Lock.IsHeldByCurrentThread;
        });
        other.Start();
        other.Join();
        Assert.False(otherGotIt);
        Assert.False(otherHeldIt);

        guarded.Lock.Exit(guarded.Gate);
        Assert.False(guarded.Lock.IsHeldByCurrentThread);
        other = new Thread(() =>
        {
            otherGotIt = guarded.Lock.TryEnter();
            otherHeldIt = guarded.Lock.IsHeldByCurrentThread;
            guarded.Lock.Exit(guarded.Gate);
        });
        other.Start();
        other.Join();
        Assert.True(otherGotIt);
        Assert.True(otherHeldIt);
    }

    [Fact]
    public void EnterWrite_reports_an_overlap_only_when_it_waited_on_another_write()
    {
        var guarded = new Guarded();
        Assert.False(guarded.Lock.EnterWrite(guarded.Gate)); // free: nothing overlapped
        Assert.Equal(PolicyLock.HeldByWrite, guarded.Lock.State);
        Assert.True(guarded.Lock.IsHeldByCurrentThread);
        Assert.True(WaitedWhileHeld(guarded), "a write that waited on a write was not told so");
        Assert.Equal(PolicyLock.Free, guarded.Lock.State);

        guarded.Lock.Enter(guarded.Gate); // the maintenance timer, a reader's drain, a Remove: not an overlapping write
        Assert.False(WaitedWhileHeld(guarded), "a write that waited on a plain holder was told it overlapped a write");
        Assert.Equal(PolicyLock.Free, guarded.Lock.State);

        // The calling thread holds the lock; another thread's EnterWrite waits until it spins out and blocks, then
        // the lock is released, and the other thread takes it and says whether it overlapped a write.
        static bool WaitedWhileHeld(Guarded guarded)
        {
            var overlapped = new StrongBox<bool>();
            Thread writer = StartWaitingWriter(guarded, overlapped);
            guarded.Lock.Exit(guarded.Gate);
            Assert.True(writer.Join(TimeSpan.FromSeconds(30)), "the waiting writer was never woken");
            return overlapped.Value;
        }
    }

    [Fact]
    public void A_write_that_waited_on_a_plain_holder_and_then_on_a_write_is_told_it_overlapped()
    {
        var guarded = new Guarded();
        guarded.Lock.Enter(guarded.Gate); // a plain holder: the maintenance timer, a drain, a Remove
        var overlapped = new StrongBox<bool>();
        Thread writer = StartWaitingWriter(guarded, overlapped);

        // While a woken waiter gets back on a core, the plain holder may leave and a write take the lock: the state
        // that leaves, then the wake-up. (Racing a real write against the wake-up is lost to the scheduler, which
        // often runs the woken thread first.)
        Volatile.Write(ref guarded.Lock.State, PolicyLock.HeldByWrite);
        lock (guarded.Gate)
        {
            Monitor.Pulse(guarded.Gate);
        }

        var spinner = new SpinWait();
        while (Volatile.Read(ref guarded.Lock.State) != PolicyLock.Contended)
        {
            spinner.SpinOnce(); // the writer woke, saw the write, and marked the lock contended again
        }

        guarded.Lock.Exit(guarded.Gate);
        Assert.True(writer.Join(TimeSpan.FromSeconds(30)), "the waiting writer was never woken");
        Assert.True(overlapped.Value, "a write that waited on a write after a plain holder was not told so");
        Assert.Equal(PolicyLock.Free, guarded.Lock.State);
    }

    /// <summary>
    /// Starts a thread whose <see cref="PolicyLock.EnterWrite"/> waits for the lock the caller holds, and returns once that
    /// thread has marked the lock contended and blocked; what EnterWrite returned is in <paramref name="overlapped"/> after
    /// the thread ends. The thread releases the lock as soon as it has it.
    /// </summary>
    private static Thread StartWaitingWriter(Guarded guarded, StrongBox<bool> overlapped)
    {
        var writer = new Thread(() =>
        {
            overlapped.Value = guarded.Lock.EnterWrite(guarded.Gate);
            guarded.Lock.Exit(guarded.Gate);
        })
        {
            IsBackground = true,
        };
        writer.Start();
        var spinner = new SpinWait();
        while (Volatile.Read(ref guarded.Lock.State) != PolicyLock.Contended || (writer.ThreadState & ThreadState.WaitSleepJoin) == 0)
        {
            spinner.SpinOnce();
        }

        return writer;
    }
}
