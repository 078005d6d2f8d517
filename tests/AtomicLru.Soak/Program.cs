using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using AtomicLru;
using AtomicLru.Soak;

// The soak: each face of AtomicLru in turn, on all cores (twice as many threads as cores, so that threads are
// preempted inside every window), with mixed operations on the real clock: Set with every kind of expiry the face
// has, reads, GetOrAdd, removals, lock-free peeks, evictions (5,000 keys over MaxItems 1,000), expiry, Clear, and
// the face's rarer calls. While it runs, a monitor checks Count <= MaxItems and size <= the limit at every
// observation, and every hit is checked to hold its own key's value. Once the workers stop: the engine's
// invariants (size = the sum of the entries' charges, counts agree, links intact), hits + misses = the reads made,
// and, after a final Clear, every post-eviction callback ran exactly once. Exit code 0 only with no violation.
// Usage: AtomicLru.Soak [seconds] (default 600).
int seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 600;
int threads = Math.Max(2, Environment.ProcessorCount) * 2;
var targets = new List<Func<SoakTarget>>
{
    () => new StorageTarget<Reference>("AtomicLruStorage<reference>", (key, value) => new Reference(key, value), (r, key) => r.Key == key && SoakTarget.Belongs(r.Value, key)),
    () => new StorageTarget<long>("AtomicLruStorage<long>", (key, value) => value, (value, key) => SoakTarget.Belongs(value, key)),
    () => new StorageTarget<(long, long, long, long)>("AtomicLruStorage<(long, long, long, long)>", (key, value) => (value, key, value, key), (v, key) => v.Item1 == v.Item3 && v.Item2 == v.Item4 && v.Item2 == key && SoakTarget.Belongs(v.Item1, key)),
    () => new SerializedTarget(),
    () => new MemoryCacheTarget(),
    () => new DistributedCacheTarget(),
    () => new StorageTarget<Reference>("AtomicLruStorage<reference>", (key, value) => new Reference(key, value), (r, key) => r.Key == key && SoakTarget.Belongs(r.Value, key), AtomicLruEvictionPolicy.TinyLfu),
    () => new StorageTarget<(long, long, long, long)>("AtomicLruStorage<(long, long, long, long)>", (key, value) => (value, key, value, key), (v, key) => v.Item1 == v.Item3 && v.Item2 == v.Item4 && v.Item2 == key && SoakTarget.Belongs(v.Item1, key), AtomicLruEvictionPolicy.TinyLfu),
    () => new SerializedTarget(AtomicLruEvictionPolicy.TinyLfu),
    () => new MemoryCacheTarget(AtomicLruEvictionPolicy.TinyLfu),
    () => new DistributedCacheTarget(AtomicLruEvictionPolicy.TinyLfu),
};

TimeSpan perTarget = TimeSpan.FromSeconds((double)seconds / targets.Count);
Console.WriteLine($"Soak: {targets.Count} faces, {perTarget.TotalSeconds:F1} s each, {threads} threads on {Environment.ProcessorCount} cores.");
long totalOperations = 0, totalViolations = 0;
foreach (Func<SoakTarget> create in targets)
{
    using SoakTarget target = create();
    (long operations, long observations) = Soak(target, perTarget, threads);
    totalOperations += operations;
    totalViolations += target.Violations;
    Console.WriteLine($"{target.Name,-44} {operations,14:N0} operations {observations,12:N0} observations {target.Violations,4} violations");
    foreach (string sample in target.ViolationSamples)
    {
        Console.WriteLine("    " + sample);
    }
}

Console.WriteLine($"Total: {totalOperations:N0} operations, {totalViolations} violations.");
return totalViolations == 0 ? 0 : 1;

static (long Operations, long Observations) Soak(SoakTarget target, TimeSpan duration, int threads)
{
    long operations = 0, reads = 0, observations = 0;
    bool stop = false;
    var workers = Enumerable.Range(0, threads).Select(id => new Thread(() =>
    {
        var random = new Random(id + 1);
        long mine = 0, myReads = 0, sequence = (long)id << 32;
        try
        {
            while (!Volatile.Read(ref stop))
            {
                for (int i = 0; i < 256; i++, mine++)
                {
                    int key = random.Next(random.Next(1, 5000));
                    int op = random.Next(1000);
                    if (op < 450)
                    {
                        myReads++;
                        if (target.Get(key) == Read.Wrong)
                        {
                            target.Violation($"a read of key {key} returned another key's value");
                        }
                    }
                    else if (op < 750)
                    {
                        target.Set(random, key, SoakTarget.Encode(key, ++sequence));
                    }
                    else if (op < 850)
                    {
                        myReads++;
                        if (target.GetOrAdd(random, key, SoakTarget.Encode(key, ++sequence)) == Read.Wrong)
                        {
                            target.Violation($"GetOrAdd of key {key} returned another key's value");
                        }
                    }
                    else if (op < 920)
                    {
                        target.Remove(key);
                    }
                    else if (op < 999)
                    {
                        target.Peek(key);
                    }
                    else if (random.Next(200) == 0)
                    {
                        target.Clear();
                    }
                    else
                    {
                        target.Rare(random);
                    }
                }
            }
        }
#pragma warning disable CA1031 // any exception is a violation to report, not a crash
        catch (Exception exception)
#pragma warning restore CA1031
        {
            target.Violation($"an operation threw {exception.GetType().Name}: {exception.Message}");
        }

        Interlocked.Add(ref operations, mine);
        Interlocked.Add(ref reads, myReads);
    })).ToList();

    var monitor = new Thread(() =>
    {
        while (!Volatile.Read(ref stop))
        {
            (int count, long size) = target.Observe();
            observations++;
            if (count > SoakTarget.MaxItems)
            {
                target.Violation($"Count {count} exceeded MaxItems {SoakTarget.MaxItems}");
            }

            if (size < 0 || size > (target.SizeLimit ?? long.MaxValue))
            {
                target.Violation($"size {size} outside 0 to the limit {target.SizeLimit}");
            }
        }
    });

    workers.ForEach(worker => worker.Start());
    monitor.Start();
    Thread.Sleep(duration); // the soak's running time, not a wait for expiry
    Volatile.Write(ref stop, true);
    var hangLimit = Stopwatch.StartNew();
    foreach (Thread worker in workers.Append(monitor))
    {
        if (!worker.Join(TimeSpan.FromSeconds(60) - hangLimit.Elapsed))
        {
            target.Violation("a thread did not stop within 60 s: a hang");
            Console.WriteLine($"{target.Name}: hang; violations so far: {string.Join("; ", target.ViolationSamples)}");
            Environment.Exit(2);
        }
    }

    try
    {
        target.CheckInvariants();
        (long hits, long misses) = target.Statistics();
        if (hits + misses != reads)
        {
            target.Violation($"hits {hits:N0} + misses {misses:N0} = {hits + misses:N0}, but {reads:N0} reads were made");
        }

        target.Clear();
        target.CheckInvariants();
        target.CheckAfterClear();
        if (target.Observe() is not (0, 0))
        {
            target.Violation($"after Clear the cache holds {target.Observe()}");
        }
    }
#pragma warning disable CA1031
    catch (Exception exception)
#pragma warning restore CA1031
    {
        target.Violation($"a check after quiescence failed: {exception.Message}");
    }

    return (operations, observations);
}

/// <summary>A reference-type value that says which key it was stored under.</summary>
internal sealed record Reference(int Key, long Value);
