namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>What logs call a cache: its face (<c>AtomicLruMemoryCache</c>), and for a named cache its name too.</summary>
internal static class CacheLabel
{
    internal static string Of(string face, string? name) => name is null ? face : $"{face} '{name}'";
}
