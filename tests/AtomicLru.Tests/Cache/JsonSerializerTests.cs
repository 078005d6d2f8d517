using System;
using System.Buffers;
using System.Text;
using System.Text.Json;
using AtomicLru;

namespace AtomicLru.Tests;

/// <summary>The default serializer's own edges: its arguments, and strings and byte arrays stored as the bytes they are.</summary>
public sealed class JsonSerializerTests
{
    [Fact]
    public void Null_arguments_are_refused_by_name()
    {
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new AtomicLruJsonSerializer(null!)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentNullException>(() => AtomicLruJsonSerializer.Default.Serialize(42, null!)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentNullException>(() => AtomicLruJsonSerializer.Default.Serialize("text", null!)).ParamName);
    }

    [Fact]
    public void Strings_and_byte_arrays_are_their_own_bytes_and_anything_else_is_JSON()
    {
        var serializer = new AtomicLruJsonSerializer(JsonSerializerOptions.Default);
        Assert.Equal(Encoding.UTF8.GetBytes("héllo"), Bytes(serializer, "héllo"));
        Assert.Equal(new byte[] { 0, 255, 7 }, Bytes(serializer, new byte[] { 0, 255, 7 }));
        Assert.Equal(Encoding.UTF8.GetBytes("{\"X\":1,\"Y\":2}"), Bytes(serializer, new Point(1, 2)));

        Assert.Equal("héllo", serializer.Deserialize<string>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("héllo"))));
        Assert.Equal(new Point(1, 2), serializer.Deserialize<Point>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"X\":1,\"Y\":2}"))));
    }

    private static byte[] Bytes<T>(AtomicLruJsonSerializer serializer, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public sealed record Point(int X, int Y);
}
