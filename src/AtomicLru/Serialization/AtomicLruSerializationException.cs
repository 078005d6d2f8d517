using System;

namespace AtomicLru;

/// <summary>
/// A value could not be serialized into, or deserialized out of, the cache. The serializer's own
/// exception is the <see cref="Exception.InnerException"/>. A failed <c>Set</c> leaves the cache unchanged.
/// </summary>
public sealed class AtomicLruSerializationException : Exception
{
    /// <summary>Creates the exception for a value of <paramref name="valueType"/> under <paramref name="key"/>.</summary>
    public AtomicLruSerializationException(string key, Type valueType, bool serializing, Exception innerException)
        : base(
            $"Could not {(serializing ? "serialize" : "deserialize")} a value of type '{valueType}' {(serializing ? "for" : "from")} cache key '{key}': {innerException?.Message}",
            innerException)
    {
        Key = key;
        ValueType = valueType;
        IsSerializing = serializing;
    }

    /// <summary>The key of the value.</summary>
    public string Key { get; }

    /// <summary>The CLR type the value was written or read as.</summary>
    public Type ValueType { get; }

    /// <summary>True if the value was being written (a <c>Set</c>); false if it was being read.</summary>
    public bool IsSerializing { get; }
}
