using System;
using AtomicLru;
using AtomicLru.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>The <see cref="AtomicLruStorage{T}"/> that dependency injection builds: options, clock and logging from the container.</summary>
internal sealed class ServiceAtomicLruStorage<T>(IOptions<AtomicLruOptions> options, IServiceProvider services)
    : AtomicLruStorage<T>(
        options.Value,
        services.GetService<TimeProvider>(),
        new LoggingRemovalListener<string, T>(
            (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger<AtomicLruStorage<T>>() ?? NullLogger.Instance,
            $"AtomicLruStorage<{typeof(T).Name}>",
            options.Value.LogKeys,
            static _ => 0));
