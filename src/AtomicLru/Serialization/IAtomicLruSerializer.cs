using System.Buffers;

namespace AtomicLru;

/// <summary>
/// Turns values into bytes and back for <see cref="AtomicLruCache"/>. The default is
/// <see cref="AtomicLruJsonSerializer"/>; supply your own for another format.
/// </summary>
/// <remarks>
/// The cache stores <see langword="null"/> values itself, so a serializer never sees one. An exception
/// thrown here reaches the caller wrapped in <see cref="AtomicLruSerializationException"/>, and the cache is
/// left as it was. Implementations must be thread-safe.
/// </remarks>
/// <example>
/// <code>
/// sealed class Utf8Serializer : IAtomicLruSerializer
/// {
///     public void Serialize&lt;T&gt;(T value, IBufferWriter&lt;byte&gt; destination)
///         =&gt; Encoding.UTF8.GetBytes(value!.ToString(), destination);
///     public T Deserialize&lt;T&gt;(ReadOnlySequence&lt;byte&gt; source)
///         =&gt; (T)(object)Encoding.UTF8.GetString(source);
/// }
/// </code>
/// </example>
public interface IAtomicLruSerializer
{
    /// <summary>Writes <paramref name="value"/> (never null) to <paramref name="destination"/>.</summary>
    void Serialize<T>(T value, IBufferWriter<byte> destination);

    /// <summary>Reads a <typeparamref name="T"/> back from bytes that <see cref="Serialize{T}"/> wrote.</summary>
    T Deserialize<T>(ReadOnlySequence<byte> source);
}
