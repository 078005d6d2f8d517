using System;
using System.Collections.Generic;
using System.Threading;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>The <see cref="OptionsReload"/> subscriptions of one container, ended when the container is disposed.</summary>
internal sealed class OptionsReloads : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<OptionsReload> _reloads = [];
    private bool _disposed;

    internal void Add(OptionsReload reload)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _reloads.Add(reload);
                return;
            }
        }

        reload.Dispose();
    }

    public void Dispose()
    {
        OptionsReload[] reloads;
        lock (_gate)
        {
            _disposed = true;
            reloads = [.. _reloads];
            _reloads.Clear();
        }

        foreach (OptionsReload reload in reloads)
        {
            reload.Dispose();
        }
    }
}
