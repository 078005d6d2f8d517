using System;
using System.Buffers;
using AtomicLru;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace AtomicLru.Tests;

/// <summary>
/// How often the cache calls its serializer, verified on a Moq stand-in (no real serializer counts its calls): once
/// per Set, once per hit read, never on a miss, and GetOrAdd serializes only what its factory produced.
/// </summary>
public sealed class SerializerCallTests
{
    private readonly Mock<IAtomicLruSerializer> _serializer = new(MockBehavior.Strict);

    public SerializerCallTests()
    {
        _serializer.Setup(s => s.Serialize(It.IsAny<int>(), It.IsAny<IBufferWriter<byte>>()))
            .Callback<int, IBufferWriter<byte>>((value, destination) => destination.Write(BitConverter.GetBytes(value)));
        _serializer.Setup(s => s.Deserialize<int>(It.IsAny<ReadOnlySequence<byte>>()))
            .Returns<ReadOnlySequence<byte>>(source => BitConverter.ToInt32(source.ToArray()));
    }

    private AtomicLruCache Create() => new(new AtomicLruOptions(), _serializer.Object, new FakeTimeProvider());

    [Fact]
    public void A_set_on_a_disposed_cache_throws_before_serializing()
    {
        AtomicLruCache cache = Create();
        cache.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cache.Set("k", 1));
        _serializer.Verify(s => s.Serialize(It.IsAny<int>(), It.IsAny<IBufferWriter<byte>>()), Times.Never());
    }

    [Fact]
    public void Set_serializes_once_and_each_hit_deserializes_once_and_a_miss_never()
    {
        using AtomicLruCache cache = Create();
        cache.Set("k", 42);
        _serializer.Verify(s => s.Serialize(42, It.IsAny<IBufferWriter<byte>>()), Times.Once());

        Assert.True(cache.TryGet("k", out int first));
        Assert.True(cache.TryGet("k", out int second));
        Assert.False(cache.TryGet("missing", out int _));

        Assert.Equal(42, first);
        Assert.Equal(42, second);
        _serializer.Verify(s => s.Deserialize<int>(It.IsAny<ReadOnlySequence<byte>>()), Times.Exactly(2));
        _serializer.VerifyNoOtherCalls();
    }

    [Fact]
    public void GetOrAdd_serializes_what_its_factory_made_once_and_returns_it_without_deserializing()
    {
        using AtomicLruCache cache = Create();

        Assert.Equal(7, cache.GetOrAdd("k", _ => 7));
        _serializer.Verify(s => s.Serialize(7, It.IsAny<IBufferWriter<byte>>()), Times.Once());
        _serializer.Verify(s => s.Deserialize<int>(It.IsAny<ReadOnlySequence<byte>>()), Times.Never());

        Assert.Equal(7, cache.GetOrAdd("k", _ => 8)); // a hit: read back, factory not run, nothing serialized
        _serializer.Verify(s => s.Serialize(It.IsAny<int>(), It.IsAny<IBufferWriter<byte>>()), Times.Once());
        _serializer.Verify(s => s.Deserialize<int>(It.IsAny<ReadOnlySequence<byte>>()), Times.Once());
        _serializer.VerifyNoOtherCalls();
    }
}
