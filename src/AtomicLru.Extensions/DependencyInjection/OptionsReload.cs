using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using AtomicLru;
using AtomicLru.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>
/// Keeps one running cache on its named <see cref="AtomicLruOptions"/>: when a change source of those options fires
/// (a reloaded configuration section), it builds them again through the same <see cref="IOptionsFactory{TOptions}"/>
/// that <see cref="IOptionsMonitor{TOptions}"/> uses, and hands them to the cache if they differ from the ones it runs
/// on. The cache applies them before the reload returns (a smaller limit evicts at once); that is logged once at
/// Information, old and new values. Options that fail validation are refused and logged at Error, naming the keys;
/// the cache keeps its last valid ones. (<see cref="IOptionsMonitor{TOptions}"/> itself throws for them, to whoever
/// triggered the reload, which is why this follows the sources rather than the monitor's <c>OnChange</c>.)
/// </summary>
internal sealed class OptionsReload : IDisposable
{
    private readonly string _optionsName;
    private readonly string _cache;
    private readonly Action<AtomicLruOptions> _apply;
    private readonly IOptionsFactory<AtomicLruOptions> _factory;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _gate = new();
    private AtomicLruOptions _current;

    private OptionsReload(string optionsName, string cache, AtomicLruOptions current, Action<AtomicLruOptions> apply, IServiceProvider services)
    {
        _optionsName = optionsName;
        _cache = cache;
        _current = current;
        _apply = apply;
        _factory = services.GetRequiredService<IOptionsFactory<AtomicLruOptions>>();
        _logger = (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger("AtomicLru") ?? NullLogger.Instance;
    }

    /// <summary>
    /// Makes the cache follow its options from now on, until the container is disposed. <paramref name="current"/> is
    /// what the cache was built with; a change that landed between that and this call is applied here.
    /// </summary>
    internal static void Follow(IServiceProvider services, string optionsName, string cache, AtomicLruOptions current, Action<AtomicLruOptions> apply)
    {
        var reload = new OptionsReload(optionsName, cache, current, apply, services);
        foreach (IOptionsChangeTokenSource<AtomicLruOptions> source in services.GetServices<IOptionsChangeTokenSource<AtomicLruOptions>>())
        {
            if ((source.Name ?? Options.DefaultName) == optionsName)
            {
                lock (reload._gate)
                {
                    reload._subscriptions.Add(ChangeToken.OnChange(source.GetChangeToken, reload.Reload));
                }
            }
        }

        services.GetRequiredService<OptionsReloads>().Add(reload); // disposed with the container
        reload.Reload();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (IDisposable subscription in _subscriptions)
            {
                subscription.Dispose();
            }

            _subscriptions.Clear();
        }
    }

    private void Reload()
    {
        lock (_gate) // one reload at a time: two sources firing together apply in turn, each compared with the last
        {
            AtomicLruOptions next;
            try
            {
                next = _factory.Create(_optionsName);
            }
            catch (OptionsValidationException exception)
            {
                AtomicLruLog.OptionsRefused(_logger, _cache, string.Join(" ", exception.Failures));
                return;
            }

            string changes = Changes(_current, next);
            if (changes.Length == 0)
            {
                return;
            }

            _apply(next);
            _current = next;
            AtomicLruLog.OptionsReloaded(_logger, _cache, changes);
        }
    }

    /// <summary>What differs, as "Name old -> new" pairs; empty when nothing does.</summary>
    internal static string Changes(AtomicLruOptions old, AtomicLruOptions next)
    {
        var changes = new List<string>();
        Compare(nameof(AtomicLruOptions.MaxItems), old.MaxItems, next.MaxItems);
        Compare(nameof(AtomicLruOptions.SizeLimitInBytes), old.SizeLimitInBytes, next.SizeLimitInBytes);
        Compare(nameof(AtomicLruOptions.MaxItemSizeInBytes), old.MaxItemSizeInBytes, next.MaxItemSizeInBytes);
        Compare(nameof(AtomicLruOptions.DefaultTtl), old.DefaultTtl, next.DefaultTtl);
        Compare(nameof(AtomicLruOptions.ExpirationScanFrequency), old.ExpirationScanFrequency, next.ExpirationScanFrequency);
        Compare(nameof(AtomicLruOptions.LogKeys), old.LogKeys, next.LogKeys);
        if (old.EvictionPolicy != next.EvictionPolicy)
        {
            changes.Add($"{nameof(AtomicLruOptions.EvictionPolicy)} {old.EvictionPolicy} -> {next.EvictionPolicy} (applies when the cache is next created)");
        }
        return string.Join(", ", changes);

        void Compare<T>(string name, T before, T after)
        {
            if (!EqualityComparer<T>.Default.Equals(before, after))
            {
                changes.Add($"{name} {Format(before)} -> {Format(after)}");
            }
        }

        static string Format(object? value) => value switch
        {
            null => "none",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "none",
        };
    }
}
