using System;
using Microsoft.Extensions.DependencyInjection;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>The <see cref="AtomicLruStorage{T}"/> of a named cache: resolved with the name as its service key.</summary>
internal sealed class KeyedServiceAtomicLruStorage<T>([ServiceKey] string name, IServiceProvider services)
    : ServiceAtomicLruStorage<T>(services, name);
