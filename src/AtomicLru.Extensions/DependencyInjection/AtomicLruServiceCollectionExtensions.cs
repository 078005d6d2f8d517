using System;
using AtomicLru;
using AtomicLru.Extensions;
using AtomicLru.Extensions.DependencyInjection;
using AtomicLru.Extensions.Logging;
using AtomicLru.Extensions.Metrics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers AtomicLru as the application's caches.</summary>
/// <remarks>
/// <para><see cref="AddAtomicLru(IServiceCollection)"/> registers, as singletons, <see cref="IMemoryCache"/>
/// (<see cref="AtomicLruMemoryCache"/>), <see cref="IDistributedCache"/> and <see cref="IBufferDistributedCache"/>
/// (one <see cref="AtomicLruDistributedCache"/>), <see cref="IAtomicLruCache"/> (the <see cref="AtomicLruCache"/>
/// behind the distributed face) and the open generic <see cref="IAtomicLruStorage{T}"/>. It replaces what
/// <c>AddMemoryCache</c> and <c>AddDistributedMemoryCache</c> registered before it, and those (which only add
/// when nothing is there, as do <c>AddControllersWithViews</c> and <c>AddHybridCache</c>) change nothing after
/// it. Calling it again adds configuration, never a second cache.</para>
/// <para>Options come from <c>services.Configure&lt;AtomicLruOptions&gt;</c> and the overloads here, and are
/// validated when the host starts. They are read once, when each cache is first resolved: a later change of
/// configuration does not resize a running cache (restart to apply it).</para>
/// <para>Each face is its own cache with these limits: <see cref="IMemoryCache"/> and the serialized
/// <see cref="IAtomicLruCache"/>/<see cref="IDistributedCache"/> pair do not share entries or one byte budget.
/// Under <c>HybridCache</c>, register only <see cref="AddAtomicLruMemoryCache(IServiceCollection, Action{AtomicLruOptions})"/>
/// as L1 (and Redis as L2); with both AtomicLru faces it would keep each value twice in one process.</para>
/// <para><see cref="TimeProvider"/> comes from the container when one is registered.</para>
/// </remarks>
/// <example>
/// <code>
/// builder.Services.AddAtomicLru(builder.Configuration.GetSection("AtomicLru"));
/// // appsettings.json: { "AtomicLru": { "SizeLimitInBytes": 104857600, "MaxItems": 100000, "DefaultTtl": "00:05:00" } }
/// </code>
/// </example>
public static class AtomicLruServiceCollectionExtensions
{
    /// <summary>Registers every AtomicLru face with options from <c>services.Configure&lt;AtomicLruOptions&gt;</c> (or defaults).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddAtomicLru(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddOptionsAndValidation(services);
        AddMemoryCacheFace(services);
        AddSerializedFaces(services);
        services.TryAdd(ServiceDescriptor.Singleton(typeof(IAtomicLruStorage<>), typeof(ServiceAtomicLruStorage<>)));
        return services;
    }

    /// <summary>Registers every AtomicLru face, with options set by <paramref name="configure"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddAtomicLru(this IServiceCollection services, Action<AtomicLruOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        return services.AddAtomicLru();
    }

    /// <summary>Registers every AtomicLru face, with options bound from a configuration section (for example <c>"AtomicLru"</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is null.</exception>
    public static IServiceCollection AddAtomicLru(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        // Key by key: an unknown key or a value that does not parse stops the host naming it (see AtomicLruSectionBinding).
        services.AddSingleton(sp => new AtomicLruSectionBinding(section, sp.GetService<ILoggerFactory>()));
        services.AddSingleton<IConfigureOptions<AtomicLruOptions>>(static sp => sp.GetRequiredService<AtomicLruSectionBinding>());
        services.AddSingleton<IValidateOptions<AtomicLruOptions>>(static sp => sp.GetRequiredService<AtomicLruSectionBinding>());
        return services.AddAtomicLru();
    }

    /// <summary>Registers only <see cref="IMemoryCache"/> as <see cref="AtomicLruMemoryCache"/>: for HybridCache's L1, or beside another <see cref="IDistributedCache"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddAtomicLruMemoryCache(this IServiceCollection services, Action<AtomicLruOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        AddOptionsAndValidation(services);
        AddMemoryCacheFace(services);
        return services;
    }

    /// <summary>Registers only <see cref="IDistributedCache"/>/<see cref="IBufferDistributedCache"/> and <see cref="IAtomicLruCache"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddAtomicLruDistributedCache(this IServiceCollection services, Action<AtomicLruOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        AddOptionsAndValidation(services);
        AddSerializedFaces(services);
        return services;
    }

    private static void AddOptionsAndValidation(IServiceCollection services)
    {
        // Metrics only where the container has a meter factory (a host has one; AddMetrics adds one).
        services.TryAddSingleton(static sp => new AtomicLruMetrics(sp.GetService<IMeterFactory>()));
        services.AddOptions<AtomicLruOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AtomicLruOptions>, AtomicLruOptionsValidator>());
    }

    private static AtomicLruMetrics? Metrics(IServiceProvider services) => services.GetService<AtomicLruMetrics>();

    private static void AddMemoryCacheFace(IServiceCollection services)
    {
        services.TryAddSingleton(static sp =>
        {
            var cache = new AtomicLruMemoryCache(
                sp.GetRequiredService<IOptions<AtomicLruOptions>>().Value,
                sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>());
            Metrics(sp)?.Observe(nameof(AtomicLruMemoryCache), cache.CountersSnapshot);
            return cache;
        });
        services.RemoveAll<IMemoryCache>();
        services.AddSingleton<IMemoryCache>(static sp => sp.GetRequiredService<AtomicLruMemoryCache>());
    }

    private static void AddSerializedFaces(IServiceCollection services)
    {
        services.TryAddSingleton(static sp =>
        {
            AtomicLruOptions options = sp.GetRequiredService<IOptions<AtomicLruOptions>>().Value;
            ILogger logger = (ILogger?)sp.GetService<ILoggerFactory>()?.CreateLogger<AtomicLruCache>() ?? NullLogger.Instance;
            var cache = new AtomicLruCache(
                options,
                sp.GetService<IAtomicLruSerializer>(),
                sp.GetService<TimeProvider>(),
                new LoggingRemovalListener<string, byte[]>(logger, nameof(AtomicLruCache), options.LogKeys, static payload => payload.Length));
            Metrics(sp)?.Observe(nameof(AtomicLruCache), cache.CountersSnapshot);
            return cache;
        });
        services.TryAddSingleton(static sp => new AtomicLruDistributedCache(sp.GetRequiredService<AtomicLruCache>()));
        services.RemoveAll<IAtomicLruCache>();
        services.AddSingleton<IAtomicLruCache>(static sp => sp.GetRequiredService<AtomicLruCache>());
        services.RemoveAll<IDistributedCache>();
        services.AddSingleton<IDistributedCache>(static sp => sp.GetRequiredService<AtomicLruDistributedCache>());
        services.RemoveAll<IBufferDistributedCache>();
        services.AddSingleton<IBufferDistributedCache>(static sp => sp.GetRequiredService<AtomicLruDistributedCache>());
    }
}
