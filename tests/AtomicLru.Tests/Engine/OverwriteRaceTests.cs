using System;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>
/// A key present before and after a Set is never missing for a concurrent reader, whatever the value type and
/// whatever kind of expiry the overwrite takes or gives up (none, fixed, sliding). The fake clock never moves, so
/// nothing expires: every miss is a bug.
/// </summary>
public sealed class OverwriteRaceTests
{
    private const int Writes = 60_000;

    public enum Expiry
    {
        None,
        Fixed,
        Sliding,
    }

    public static TheoryData<Expiry, Expiry> Transitions()
    {
        var data = new TheoryData<Expiry, Expiry>();
        foreach (Expiry from in Enum.GetValues<Expiry>())
        {
            foreach (Expiry to in Enum.GetValues<Expiry>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Engine_with_int_values_never_misses_an_overwritten_key(Expiry first, Expiry second)
        => RunEngine(first, second, i => i, value => value >= 0);

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Engine_with_wide_struct_values_never_misses_nor_tears(Expiry first, Expiry second)
        => RunEngine(first, second, i => ((long)i, (long)i, (long)i, (long)i), v => v.Item1 >= 0 && v.Item1 == v.Item2 && v.Item2 == v.Item3 && v.Item3 == v.Item4);

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Engine_with_reference_values_never_misses_an_overwritten_key(Expiry first, Expiry second)
        => RunEngine(first, second, i => "k:" + i, value => value.StartsWith("k:", StringComparison.Ordinal));

    private static void RunEngine<T>(Expiry first, Expiry second, Func<int, T> valueOf, Func<T, bool> belongs)
    {
        using var engine = new LruEngine<string, T>(
            maxItems: 64, maxSize: null, new FakeTimeProvider(), TimeSpan.FromSeconds(1), StringComparer.Ordinal);
        for (int other = 0; other < 20; other++)
        {
            engine.Set("other" + other, valueOf(other), Timeout.InfiniteTimeSpan, 1); // neighbours in the table
        }

        Write(engine, first, valueOf(0));
        OverwriteRace.Outcome outcome = OverwriteRace.Run(
            Writes,
            i => Write(engine, i % 2 == 0 ? second : first, valueOf(i)),
            () => engine.TryGet("k", out T? value) ? (belongs(value!) ? ReadResult.Hit : ReadResult.WrongValue) : ReadResult.Miss);
        OverwriteRace.AssertNoneMissed(outcome, Writes);
        engine.CheckInvariants();
    }

    private static void Write<T>(LruEngine<string, T> engine, Expiry expiry, T value)
    {
        switch (expiry)
        {
            case Expiry.None: engine.Set("k", value, Timeout.InfiniteTimeSpan, 1); break;
            case Expiry.Fixed: engine.Set("k", value, TimeSpan.FromHours(1), 1); break;
            default: engine.Set("k", value, Timeout.InfiniteTimeSpan, 1, sliding: TimeSpan.FromMinutes(10)); break;
        }
    }

    [Theory]
    [InlineData(null, null)] // no TTL
    [InlineData(3600, 3600)] // a 1 h TTL each time
    [InlineData(null, 3600)] // none, then a TTL
    public void Storage_of_int_never_misses_an_overwritten_key(int? firstTtlSeconds, int? secondTtlSeconds)
    {
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions { MaxItems = 100 }, new FakeTimeProvider());
        TimeSpan? Ttl(int? seconds) => seconds is int s ? TimeSpan.FromSeconds(s) : null;
        storage.Set("k", 0, Ttl(firstTtlSeconds));
        OverwriteRace.Outcome outcome = OverwriteRace.Run(
            Writes,
            i => storage.Set("k", i, Ttl(i % 2 == 0 ? secondTtlSeconds : firstTtlSeconds)),
            () => storage.TryGet("k", out int value) ? (value >= 0 ? ReadResult.Hit : ReadResult.WrongValue) : ReadResult.Miss);
        OverwriteRace.AssertNoneMissed(outcome, Writes);
    }

    [Fact]
    public void Storage_GetOrAdd_never_runs_the_factory_for_a_key_that_is_always_present()
    {
        using var storage = new AtomicLruStorage<int>(new AtomicLruOptions { MaxItems = 100 }, new FakeTimeProvider());
        storage.Set("k", 0);
        long factoryRuns = 0;
        OverwriteRace.Outcome outcome = OverwriteRace.Run(
            Writes,
            i => storage.Set("k", i, i % 3 == 0 ? TimeSpan.FromHours(1) : null),
            () =>
            {
                int value = storage.GetOrAdd("k", _ =>
                {
                    Interlocked.Increment(ref factoryRuns);
                    return -1;
                });
                return value >= 0 ? ReadResult.Hit : ReadResult.Miss;
            });
        Assert.Equal(0, Interlocked.Read(ref factoryRuns));
        OverwriteRace.AssertNoneMissed(outcome, Writes);
    }

    [Fact]
    public void Storage_of_strings_never_misses_when_a_TTL_comes_and_goes()
    {
        using var storage = new AtomicLruStorage<string>(new AtomicLruOptions { MaxItems = 100 }, new FakeTimeProvider());
        storage.Set("k", "k:0");
        OverwriteRace.Outcome outcome = OverwriteRace.Run(
            Writes,
            i => storage.Set("k", "k:" + i, i % 2 == 0 ? TimeSpan.FromHours(1) : Timeout.InfiniteTimeSpan),
            () => storage.TryGet("k", out string? value) ? (value!.StartsWith("k:", StringComparison.Ordinal) ? ReadResult.Hit : ReadResult.WrongValue) : ReadResult.Miss);
        OverwriteRace.AssertNoneMissed(outcome, Writes);
    }

    [Fact]
    public void Cache_never_misses_when_a_TTL_comes_and_goes()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 1 << 20 }, timeProvider: new FakeTimeProvider());
        cache.Set("k", 0);
        OverwriteRace.Outcome outcome = OverwriteRace.Run(
            Writes / 2,
            i => cache.Set("k", i, i % 2 == 0 ? TimeSpan.FromHours(1) : Timeout.InfiniteTimeSpan),
            () => cache.TryGet("k", out int value) ? (value >= 0 ? ReadResult.Hit : ReadResult.WrongValue) : ReadResult.Miss);
        OverwriteRace.AssertNoneMissed(outcome, Writes / 2);
    }

    [Fact]
    public void Cache_GetOrAdd_never_runs_the_factory_for_a_key_that_is_always_present()
    {
        using var cache = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 1 << 20 }, timeProvider: new FakeTimeProvider());
        cache.Set("k", 0);
        long factoryRuns = 0;
        OverwriteRace.Outcome outcome = OverwriteRace.Run(
            Writes / 2,
            i => cache.Set("k", i, i % 2 == 0 ? TimeSpan.FromHours(1) : null),
            () => cache.GetOrAdd("k", _ =>
            {
                Interlocked.Increment(ref factoryRuns);
                return -1;
            }) >= 0 ? ReadResult.Hit : ReadResult.Miss);
        Assert.Equal(0, Interlocked.Read(ref factoryRuns));
        OverwriteRace.AssertNoneMissed(outcome, Writes / 2);
    }
}
