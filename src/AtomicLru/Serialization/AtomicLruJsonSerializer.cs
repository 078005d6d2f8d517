using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AtomicLru;

/// <summary>
/// The default serializer: System.Text.Json, except that a <see cref="string"/> is stored as its plain
/// UTF-8 bytes and a <see cref="byte"/> array as itself, so that values set through
/// <see cref="AtomicLruCache"/> and read through <c>IDistributedCache.GetString</c> / <c>Get</c> (and the
/// other way round) are the same bytes.
/// </summary>
/// <remarks>
/// Type metadata comes from the <see cref="JsonSerializerOptions"/> given (its <c>TypeInfoResolver</c>), so
/// trimmed and native-AOT apps pass options from a source-generated <c>JsonSerializerContext</c>.
/// <see cref="Default"/> resolves types by reflection where reflection is enabled (the default outside
/// trimmed and AOT apps); where it is not, it throws <see cref="NotSupportedException"/> for every type.
/// </remarks>
/// <example>
/// <code>
/// [JsonSerializable(typeof(User))]
/// partial class AppJsonContext : JsonSerializerContext;
///
/// var cache = new AtomicLruCache(options, new AtomicLruJsonSerializer(AppJsonContext.Default.Options));
/// </code>
/// </example>
public sealed class AtomicLruJsonSerializer : IAtomicLruSerializer
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Creates a serializer that takes type metadata from <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public AtomicLruJsonSerializer(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>A serializer with default JSON settings (the cache's serializer unless another is given).</summary>
    public static AtomicLruJsonSerializer Default { get; } = new(new JsonSerializerOptions
    {
        // Reflection metadata where the app allows it; a trimmed or AOT app that turns reflection off
        // gets an empty resolver, and an error naming the type, until it passes its own context's options.
        TypeInfoResolver = DefaultResolver(),
    });

    /// <inheritdoc />
    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (typeof(T) == typeof(string))
        {
            Encoding.UTF8.GetBytes(((string)(object)value!).AsSpan(), destination);
        }
        else if (typeof(T) == typeof(byte[]))
        {
            destination.Write((byte[])(object)value!);
        }
        else
        {
            using var writer = new Utf8JsonWriter(destination);
            JsonSerializer.Serialize(writer, value, TypeInfo<T>());
        }
    }

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlySequence<byte> source)
    {
        if (typeof(T) == typeof(string))
        {
            return (T)(object)Encoding.UTF8.GetString(source);
        }

        if (typeof(T) == typeof(byte[]))
        {
            return (T)(object)source.ToArray();
        }

        var reader = new Utf8JsonReader(source);
        return JsonSerializer.Deserialize(ref reader, TypeInfo<T>())!;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reflection is used only when the app enables it (JsonSerializer.IsReflectionEnabledByDefault), a feature switch the trimmer honours.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reflection is used only when the app enables it (JsonSerializer.IsReflectionEnabledByDefault), a feature switch the AOT compiler honours.")]
    private static IJsonTypeInfoResolver DefaultResolver()
        => JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : JsonTypeInfoResolver.Combine();

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
}
