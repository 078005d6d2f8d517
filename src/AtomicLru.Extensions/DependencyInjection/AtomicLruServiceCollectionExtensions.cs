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
/// <para>Named caches (<see cref="AddAtomicLru(IServiceCollection, string, IConfiguration)"/>) register the same faces
/// as keyed services under their name, each name with its own options (named options) and its own limits, beside the
/// unnamed caches or without them: <c>[FromKeyedServices("sessions")] IDistributedCache sessions</c>.</para>
/// <para>Options come from <c>services.Configure&lt;AtomicLruOptions&gt;</c> (named: <c>Configure(name, ...)</c>) and
/// the overloads here, and are validated when the host starts. The caches follow them while they run: when a source of
/// the options changes (a configuration file reloaded), each cache applies the new limits before the reload returns,
/// evicting the least recently used entries down to a smaller limit, and logs the change at Information; new
/// <see cref="AtomicLruOptions.DefaultTtl"/> and <see cref="AtomicLruOptions.MaxItemSizeInBytes"/> apply to entries
/// written after it. Reloaded options that fail validation are logged at Error and the caches keep their last valid
/// options.</para>
/// <para>Each face is its own cache with these limits: <see cref="IMemoryCache"/> and the serialized
/// <see cref="IAtomicLruCache"/>/<see cref="IDistributedCache"/> pair do not share entries or one byte budget.
/// Under <c>HybridCache</c>, register only <see cref="AddAtomicLruMemoryCache(IServiceCollection, Action{AtomicLruOptions})"/>
/// as L1 (and Redis as L2); with both AtomicLru faces it would keep each value twice in one process.</para>
/// <para><see cref="TimeProvider"/> comes from the container when one is registered.</para>
/// </remarks>
/// <example>
/// <code>
/// builder.Services.AddAtomicLru(builder.Configuration.GetSection("AtomicLru"));
/// builder.Services.AddAtomicLru("sessions", builder.Configuration.GetSection("AtomicLru:Caches:sessions"));
/// // appsettings.json: { "AtomicLru": { "SizeLimitInBytes": 104857600, "DefaultTtl": "00:05:00",
/// //                                    "Caches": { "sessions": { "SizeLimitInBytes": 52428800 } } } }
/// </code>
/// </example>
public static class AtomicLruServiceCollectionExtensions
{
    /// <summary>Registers every AtomicLru face with options from <c>services.Configure&lt;AtomicLruOptions&gt;</c> (or defaults).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddAtomicLru(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddOptionsAndValidation(services, Options.Options.DefaultName);
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

    /// <summary>
    /// Registers every AtomicLru face, with options bound from a configuration section (for example <c>"AtomicLru"</c>)
    /// and reloaded with it. An unknown key or a value that does not parse stops the host, naming it; a section that
    /// does not exist is logged as a Warning (the caches then have no limits).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is null.</exception>
    public static IServiceCollection AddAtomicLru(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        AddSectionBinding(services, Options.Options.DefaultName, section);
        return services.AddAtomicLru();
    }

    /// <summary>
    /// Registers a named cache: every AtomicLru face as a keyed service under <paramref name="name"/>, with the options
    /// named <paramref name="name"/>, set by <paramref name="configure"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddAtomicLru("sessions", o => { o.SizeLimitInBytes = 50 * 1024 * 1024; o.DefaultTtl = TimeSpan.FromMinutes(20); });
    /// public sealed class SessionStore([FromKeyedServices("sessions")] IDistributedCache cache) { ... }
    /// </code>
    /// </example>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="name"/> or <paramref name="configure"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static IServiceCollection AddAtomicLru(this IServiceCollection services, string name, Action<AtomicLruOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(name, configure);
        AddNamed(services, name);
        return services;
    }

    /// <summary>
    /// Registers a named cache: every AtomicLru face as a keyed service under <paramref name="name"/>, with the options
    /// named <paramref name="name"/> bound from <paramref name="section"/> (for example <c>"AtomicLru:Caches:sessions"</c>)
    /// and reloaded with it, checked as <see cref="AddAtomicLru(IServiceCollection, IConfiguration)"/> checks its section.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/>, <paramref name="name"/> or <paramref name="section"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static IServiceCollection AddAtomicLru(this IServiceCollection services, string name, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(section);
        AddSectionBinding(services, name, section);
        AddNamed(services, name);
        return services;
    }

    /// <summary>Registers only <see cref="IMemoryCache"/> as <see cref="AtomicLruMemoryCache"/>: for HybridCache's L1, or beside another <see cref="IDistributedCache"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddAtomicLruMemoryCache(this IServiceCollection services, Action<AtomicLruOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        AddOptionsAndValidation(services, Options.Options.DefaultName);
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
        AddOptionsAndValidation(services, Options.Options.DefaultName);
        AddSerializedFaces(services);
        return services;
    }

    private static void AddSectionBinding(IServiceCollection services, string name, IConfiguration section)
    {
        // Key by key: an unknown key or a value that does not parse stops the host naming it (see AtomicLruSectionBinding).
        var binding = (IServiceProvider sp) => new AtomicLruSectionBinding(name, section, sp.GetService<ILoggerFactory>());
        services.AddSingleton(binding);
        services.AddSingleton<IConfigureOptions<AtomicLruOptions>>(sp => Binding(sp, name));
        services.AddSingleton<IValidateOptions<AtomicLruOptions>>(sp => Binding(sp, name));
        services.AddSingleton<IOptionsChangeTokenSource<AtomicLruOptions>>(new ConfigurationChangeTokenSource<AtomicLruOptions>(name, section));
    }

    /// <summary>The section binding registered last for <paramref name="name"/>.</summary>
    private static AtomicLruSectionBinding Binding(IServiceProvider services, string name)
    {
        AtomicLruSectionBinding? last = null;
        foreach (AtomicLruSectionBinding binding in services.GetServices<AtomicLruSectionBinding>())
        {
            last = binding.Name == name ? binding : last;
        }

        return last!;
    }

    private static void AddOptionsAndValidation(IServiceCollection services, string name)
    {
        // Metrics only where the container has a meter factory (a host has one; AddMetrics adds one).
        services.TryAddSingleton(static sp => new AtomicLruMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<OptionsReloads>();
        services.AddOptions<AtomicLruOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AtomicLruOptions>, AtomicLruOptionsValidator>());
    }

    private static void AddMemoryCacheFace(IServiceCollection services)
    {
        services.TryAddSingleton(static sp => CreateMemoryCache(sp, name: null));
        services.RemoveAll<IMemoryCache>();
        services.AddSingleton<IMemoryCache>(static sp => sp.GetRequiredService<AtomicLruMemoryCache>());
    }

    private static void AddSerializedFaces(IServiceCollection services)
    {
        services.TryAddSingleton(static sp => CreateCache(sp, name: null));
        services.TryAddSingleton(static sp => new AtomicLruDistributedCache(sp.GetRequiredService<AtomicLruCache>()));
        services.RemoveAll<IAtomicLruCache>();
        services.AddSingleton<IAtomicLruCache>(static sp => sp.GetRequiredService<AtomicLruCache>());
        services.RemoveAll<IDistributedCache>();
        services.AddSingleton<IDistributedCache>(static sp => sp.GetRequiredService<AtomicLruDistributedCache>());
        services.RemoveAll<IBufferDistributedCache>();
        services.AddSingleton<IBufferDistributedCache>(static sp => sp.GetRequiredService<AtomicLruDistributedCache>());
    }

    /// <summary>Every face under the key <paramref name="name"/>; registering a name again adds nothing but its configuration.</summary>
    private static void AddNamed(IServiceCollection services, string name)
    {
        AddOptionsAndValidation(services, name);
        services.TryAddKeyedSingleton(name, static (sp, key) => CreateMemoryCache(sp, (string)key!));
        services.TryAddKeyedSingleton<IMemoryCache>(name, static (sp, key) => sp.GetRequiredKeyedService<AtomicLruMemoryCache>(key));
        services.TryAddKeyedSingleton(name, static (sp, key) => CreateCache(sp, (string)key!));
        services.TryAddKeyedSingleton(name, static (sp, key) => new AtomicLruDistributedCache(sp.GetRequiredKeyedService<AtomicLruCache>(key)));
        services.TryAddKeyedSingleton<IAtomicLruCache>(name, static (sp, key) => sp.GetRequiredKeyedService<AtomicLruCache>(key));
        services.TryAddKeyedSingleton<IDistributedCache>(name, static (sp, key) => sp.GetRequiredKeyedService<AtomicLruDistributedCache>(key));
        services.TryAddKeyedSingleton<IBufferDistributedCache>(name, static (sp, key) => sp.GetRequiredKeyedService<AtomicLruDistributedCache>(key));
        services.TryAdd(ServiceDescriptor.KeyedSingleton(typeof(IAtomicLruStorage<>), name, typeof(KeyedServiceAtomicLruStorage<>)));
    }

    private static AtomicLruMemoryCache CreateMemoryCache(IServiceProvider sp, string? name)
    {
        string optionsName = name ?? Options.Options.DefaultName;
        AtomicLruOptions options = sp.GetRequiredService<IOptionsMonitor<AtomicLruOptions>>().Get(optionsName);
        string label = CacheLabel.Of(nameof(AtomicLruMemoryCache), name);
        var cache = new AtomicLruMemoryCache(options, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>(), label);
        sp.GetService<AtomicLruMetrics>()?.Observe(name ?? nameof(AtomicLruMemoryCache), nameof(AtomicLruMemoryCache), cache.CountersSnapshot);
        OptionsReload.Follow(sp, optionsName, label, options, cache.Reconfigure);
        return cache;
    }

    private static AtomicLruCache CreateCache(IServiceProvider sp, string? name)
    {
        string optionsName = name ?? Options.Options.DefaultName;
        AtomicLruOptions options = sp.GetRequiredService<IOptionsMonitor<AtomicLruOptions>>().Get(optionsName);
        string label = CacheLabel.Of(nameof(AtomicLruCache), name);
        ILogger logger = (ILogger?)sp.GetService<ILoggerFactory>()?.CreateLogger<AtomicLruCache>() ?? NullLogger.Instance;
        var log = new LoggingRemovalListener<string, byte[]>(logger, label, options.LogKeys, static payload => payload.Length);
        var cache = new AtomicLruCache(options, sp.GetService<IAtomicLruSerializer>(), sp.GetService<TimeProvider>(), log);
        sp.GetService<AtomicLruMetrics>()?.Observe(name ?? nameof(AtomicLruCache), nameof(AtomicLruCache), cache.CountersSnapshot);
        OptionsReload.Follow(sp, optionsName, label, options, next =>
        {
            cache.Reconfigure(next);
            log.LogKeys = next.LogKeys;
        });
        return cache;
    }
}
