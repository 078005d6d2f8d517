using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AtomicLru.Engine;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests;

/// <summary>Lookups through the engine: keys of any type with their own equality, a table grown to a million entries.</summary>
public sealed class LookupTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Keys_that_are_not_strings_work_with_their_own_equality()
    {
        using var engine = new LruEngine<(int, string), string>(3, null, _time, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 1000; i++)
        {
            engine.Set((i, "x"), "v" + i, System.Threading.Timeout.InfiniteTimeSpan, 0);
        }

        Assert.Equal(3, engine.Count);
        Assert.True(engine.TryGet((999, "x"), out string? value));
        Assert.Equal("v999", value);
        Assert.False(engine.TryGet((996, "x"), out _));

        using var caseless = new LruEngine<string, int>(null, null, _time, TimeSpan.FromSeconds(1), StringComparer.OrdinalIgnoreCase);
        caseless.Set("Key", 1, System.Threading.Timeout.InfiniteTimeSpan, 0);
        Assert.True(caseless.TryGet("KEY", out int one));
        Assert.Equal(1, one);
    }

    [Fact]
    public void The_table_grows_to_a_million_entries_and_finds_every_one()
    {
        using var engine = new LruEngine<int, int>(null, null, _time, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 1_000_000; i++)
        {
            engine.Set(i * 7919, i, System.Threading.Timeout.InfiniteTimeSpan, 0);
        }

        Assert.Equal(1_000_000, engine.Count);
        Assert.All(Enumerable.Range(0, 1_000_000).Where(i => i % 997 == 0), i =>
        {
            Assert.True(engine.TryGet(i * 7919, out int value));
            Assert.Equal(i, value);
        });
    }
}
