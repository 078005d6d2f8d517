using System;
using AtomicLru;
using AtomicLru.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>
/// The <see cref="AtomicLruStorage{T}"/> that dependency injection builds for the unnamed registration: options, clock
/// and logging from the container, and it follows its options when they are reloaded.
/// </summary>
internal class ServiceAtomicLruStorage<T> : AtomicLruStorage<T>
{
    public ServiceAtomicLruStorage(IServiceProvider services)
        : this(services, Parts.For(services, name: null))
    {
    }

    /// <param name="services">The container.</param>
    /// <param name="name">The named cache this storage belongs to; null for the unnamed one.</param>
    protected ServiceAtomicLruStorage(IServiceProvider services, string name)
        : this(services, Parts.For(services, name))
    {
    }

    private ServiceAtomicLruStorage(IServiceProvider services, Parts parts)
        : base(parts.Options, services.GetService<TimeProvider>(), parts.Log)
    {
        OptionsReload.Follow(services, parts.OptionsName, parts.Label, parts.Options, options =>
        {
            Reconfigure(options);
            parts.Log.LogKeys = options.LogKeys;
        });
    }

    private sealed record Parts(string OptionsName, string Label, AtomicLruOptions Options, LoggingRemovalListener<string, T> Log)
    {
        internal static Parts For(IServiceProvider services, string? name)
        {
            string optionsName = name ?? Microsoft.Extensions.Options.Options.DefaultName;
            AtomicLruOptions options = services.GetRequiredService<IOptionsMonitor<AtomicLruOptions>>().Get(optionsName);
            string label = CacheLabel.Of($"AtomicLruStorage<{typeof(T).Name}>", name);
            ILogger logger = (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger<AtomicLruStorage<T>>() ?? NullLogger.Instance;
            return new Parts(optionsName, label, options, new LoggingRemovalListener<string, T>(logger, label, options.LogKeys, static _ => 0));
        }
    }
}
