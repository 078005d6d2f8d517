using System;
using AtomicLru;
using Microsoft.Extensions.Options;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>The <see cref="AtomicLruStorage{T}"/> that dependency injection builds: options and clock from the container.</summary>
internal sealed class ServiceAtomicLruStorage<T>(IOptions<AtomicLruOptions> options, IServiceProvider services)
    : AtomicLruStorage<T>(options.Value, (TimeProvider?)services.GetService(typeof(TimeProvider)));
