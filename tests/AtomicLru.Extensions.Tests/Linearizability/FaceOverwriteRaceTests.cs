using System;
using System.Text;
using AtomicLru.Tests;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// The overwrite race of <c>OverwriteRaceTests</c> through the Microsoft faces: one writer overwrites a key that is
/// present throughout, changing the kind of expiry each time, while a reader reads it. The fake clock never moves.
/// </summary>
public sealed class FaceOverwriteRaceTests
{
    private const int Writes = 40_000;

    public static TheoryData<string, string> MemoryCacheShapes() => new()
    {
        { "none", "sliding" },
        { "none", "relative" },
        { "relative", "sliding" },
        { "absolute", "none" },
        { "none", "callback" },
        { "callback", "sliding" },
        { "none", "none" },
    };

    [Theory]
    [MemberData(nameof(MemoryCacheShapes))]
    public void MemoryCache_never_misses_an_overwritten_key(string first, string second)
    {
        var time = new FakeTimeProvider();
        using var cache = new AtomicLruMemoryCache(new AtomicLruOptions { MaxItems = 100 }, time);
        Write(cache, time, first, 0);
        OverwriteRace.Outcome outcome = OverwriteRace.Run(
            Writes,
            i => Write(cache, time, i % 2 == 0 ? second : first, i),
            () => cache.TryGetValue("k", out object? value) ? (value is int n && n >= 0 ? ReadResult.Hit : ReadResult.WrongValue) : ReadResult.Miss);
        OverwriteRace.AssertNoneMissed(outcome, Writes);
        cache.Engine.CheckInvariants();
    }

    private static void Write(AtomicLruMemoryCache cache, FakeTimeProvider time, string shape, int value)
    {
        using ICacheEntry entry = cache.CreateEntry("k");
        entry.Value = value;
        switch (shape)
        {
            case "sliding": entry.SlidingExpiration = TimeSpan.FromMinutes(10); break;
            case "relative": entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1); break;
            case "absolute": entry.AbsoluteExpiration = time.GetUtcNow().AddHours(1); break;
            case "callback": entry.RegisterPostEvictionCallback(static (_, _, _, _) => { }); break;
        }
    }

    [Theory]
    [InlineData("sliding", "absolute")]
    [InlineData("none", "relative")]
    [InlineData("sliding", "none")]
    public void DistributedCache_never_misses_an_overwritten_key(string first, string second)
    {
        var time = new FakeTimeProvider();
        using var inner = new AtomicLruCache(new AtomicLruOptions { SizeLimitInBytes = 1 << 20 }, timeProvider: time);
        var cache = new AtomicLruDistributedCache(inner);
        DistributedCacheEntryOptions OptionsFor(string shape) => shape switch
        {
            "sliding" => new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) },
            "absolute" => new DistributedCacheEntryOptions { AbsoluteExpiration = time.GetUtcNow().AddHours(1) },
            "relative" => new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) },
            _ => new DistributedCacheEntryOptions(),
        };
        cache.Set("k", Encoding.UTF8.GetBytes("k:0"), OptionsFor(first));
        OverwriteRace.Outcome outcome = OverwriteRace.Run(
            Writes,
            i => cache.Set("k", Encoding.UTF8.GetBytes("k:" + i), OptionsFor(i % 2 == 0 ? second : first)),
            () => cache.Get("k") is byte[] bytes ? (bytes.AsSpan().StartsWith("k:"u8) ? ReadResult.Hit : ReadResult.WrongValue) : ReadResult.Miss);
        OverwriteRace.AssertNoneMissed(outcome, Writes);
        inner.Engine.CheckInvariants();
    }
}
