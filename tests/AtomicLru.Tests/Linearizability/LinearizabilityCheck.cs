using System;
using System.Collections.Generic;
using System.Threading;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests.Linearizability;

/// <summary>The options every checked cache gets: a small MaxItems so that evictions (and node reuse) are common.</summary>
internal static class CheckedOptions
{
    internal const int MaxItems = 3;

    internal static AtomicLruOptions Create(AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru)
        => new() { MaxItems = MaxItems, ExpirationScanFrequency = TimeSpan.FromSeconds(1), EvictionPolicy = policy };

    internal static TimeSpan? Ttl(Expiry expiry) => expiry switch
    {
        Expiry.None => Timeout.InfiniteTimeSpan,
        Expiry.ShortTtl => TimeSpan.FromMilliseconds(1500),
        Expiry.LongTtl => TimeSpan.FromMilliseconds(2500),
        _ => throw new ArgumentOutOfRangeException(nameof(expiry), expiry, "This face has no sliding expiry."),
    };
}

/// <summary>What a face offers the checker beyond Get and Set.</summary>
[Flags]
public enum FaceOperations
{
    /// <summary>Get and Set only.</summary>
    None = 0,

    /// <summary>GetOrAdd, atomic.</summary>
    GetOrAdd = 1,

    /// <summary>ContainsKey.</summary>
    Contains = 2,

    /// <summary>A Refresh (slide and touch without returning).</summary>
    Refresh = 4,

    /// <summary>Remove says whether it removed something.</summary>
    RemoveResult = 8,
}

/// <summary>
/// CsCheck's parallel model-based test over one face: a random sequential prefix, then up to five operations on
/// two threads, then a search over the orders of those operations for one in which <see cref="LruModel"/> gives
/// every result seen and ends holding what the cache holds. Keys are five, MaxItems three, so writes evict (and
/// reuse nodes) often; values are key × 100 + a random part, so a value read under the wrong key never matches.
/// </summary>
internal static class LinearizabilityCheck
{
    internal static void Run(
        Func<FakeTimeProvider, ICacheFace> create, Expiry[] expiries, FaceOperations offers, long iterations, string? seed = null,
        AtomicLruEvictionPolicy policy = AtomicLruEvictionPolicy.Lru)
        => Run(create, expiries, offers, iterations, seed, oneKeyOverwrites: false, policy);

    /// <summary>
    /// The check narrowed to the race that an in-place overwrite cannot have: one key, only reads and overwrites
    /// (each with a random expiry kind, so most of them change the kind and need a new node), up to eight of them
    /// in parallel after a short prefix. A reader that lands between an old node leaving and the new one arriving
    /// reads a miss no order explains.
    /// </summary>
    internal static void RunOneKeyOverwrites(Func<FakeTimeProvider, ICacheFace> create, Expiry[] expiries, long iterations, string? seed = null)
        => Run(create, expiries, FaceOperations.None, iterations, seed, oneKeyOverwrites: true, AtomicLruEvictionPolicy.Lru);

    private static void Run(
        Func<FakeTimeProvider, ICacheFace> create, Expiry[] expiries, FaceOperations offers, long iterations, string? seed, bool oneKeyOverwrites,
        AtomicLruEvictionPolicy policy)
    {
        int lastKey = oneKeyOverwrites ? 0 : CacheUnderTest.Keys.Length - 1;
        // Ids key each operation's result, so they must differ: Gen.Long gives MinValue or MaxValue on one draw in 64,
        // and two operations sharing an id had one result overwrite the other (a failure no cache caused).
        Gen<(long Id, int Key, int Part, int Expiry)> args = Gen.Select(Gen.Long[0, long.MaxValue], Gen.Int[0, lastKey], Gen.Int[0, 99], Gen.Int[0, expiries.Length - 1]);
        static string Key((long, int Key, int, int) a) => CacheUnderTest.Keys[a.Key];
        static int Value((long, int Key, int Part, int) a) => (a.Key * 100) + a.Part;

        GenOperation<CacheUnderTest, LruModel> get = args.Operation<CacheUnderTest, LruModel>(
            a => $"Get({Key(a)})",
            (sut, a) => sut.Results[a.Id] = sut.Face.Get(Key(a)),
            (model, a) => model.Get(a.Id, Key(a)));

        GenOperation<CacheUnderTest, LruModel> set = args.Operation<CacheUnderTest, LruModel>(
            a => $"Set({Key(a)}, {Value(a)}, {expiries[a.Expiry]})",
            (sut, a) =>
            {
                sut.Face.Set(Key(a), Value(a), expiries[a.Expiry]);
                sut.Results[a.Id] = "ok";
            },
            (model, a) => model.Set(a.Id, Key(a), Value(a), expiries[a.Expiry]));

        // Get and Set twice each: a read racing an overwrite of its key is what most often goes wrong.
        var operations = new List<GenOperation<CacheUnderTest, LruModel>> { get, get, set, set };
        if (oneKeyOverwrites)
        {
            Check(create, operations, compareRemoveResults: false, iterations, seed, maxSequential: 2, maxParallel: 8, policy);
            return;
        }

        operations.AddRange(
        [

            args.Operation<CacheUnderTest, LruModel>(
                a => $"Remove({Key(a)})",
                (sut, a) => sut.Results[a.Id] = sut.Face.Remove(Key(a)),
                (model, a) => model.Remove(a.Id, Key(a))),
            args.Operation<CacheUnderTest, LruModel>(
                a => "Clear()",
                (sut, a) =>
                {
                    sut.Face.Clear();
                    sut.Results[a.Id] = "ok";
                },
                (model, a) => model.Clear(a.Id)),
            args.Operation<CacheUnderTest, LruModel>(
                a => "Advance(1 s)",
                (sut, a) =>
                {
                    sut.Time.Advance(TimeSpan.FromSeconds(1));
                    sut.Results[a.Id] = "ok";
                },
                (model, a) => model.Advance(a.Id, 1000)),
        ]);
        if (offers.HasFlag(FaceOperations.GetOrAdd))
        {
            operations.Add(args.Operation<CacheUnderTest, LruModel>(
                a => $"GetOrAdd({Key(a)}, {Value(a)}, {expiries[a.Expiry]})",
                (sut, a) => sut.Results[a.Id] = sut.Face.GetOrAdd(Key(a), Value(a), expiries[a.Expiry]),
                (model, a) => model.GetOrAdd(a.Id, Key(a), Value(a), expiries[a.Expiry])));
        }

        if (offers.HasFlag(FaceOperations.Contains))
        {
            operations.Add(args.Operation<CacheUnderTest, LruModel>(
                a => $"ContainsKey({Key(a)})",
                (sut, a) => sut.Results[a.Id] = sut.Face.Contains(Key(a)),
                (model, a) => model.Contains(a.Id, Key(a))));
        }

        if (offers.HasFlag(FaceOperations.Refresh))
        {
            operations.Add(args.Operation<CacheUnderTest, LruModel>(
                a => $"Refresh({Key(a)})",
                (sut, a) =>
                {
                    sut.Face.Refresh(Key(a));
                    sut.Results[a.Id] = "ok";
                },
                (model, a) => model.Refresh(a.Id, Key(a))));
        }

        Check(create, operations, offers.HasFlag(FaceOperations.RemoveResult), iterations, seed, maxSequential: 10, maxParallel: 5, policy);
    }

    private static void Check(
        Func<FakeTimeProvider, ICacheFace> create, List<GenOperation<CacheUnderTest, LruModel>> operations, bool compareRemoveResults,
        long iterations, string? seed, int maxSequential, int maxParallel, AtomicLruEvictionPolicy policy)
        => Gen.Const(() =>
            {
                var time = new FakeTimeProvider();
                return (new CacheUnderTest(create(time), time), new LruModel(CheckedOptions.MaxItems, anyVictim: policy == AtomicLruEvictionPolicy.TinyLfu));
            })
            .SampleParallel(
                [.. operations],
                equal: (actual, model) => actual.IsExplainedBy(model, compareRemoveResults),
                seed: seed,
                maxSequentialOperations: maxSequential,
                maxParallelOperations: maxParallel,
                iter: iterations,
                threads: 2,
                printActual: actual => actual.ToString(),
                printModel: model => model.ToString());
}
