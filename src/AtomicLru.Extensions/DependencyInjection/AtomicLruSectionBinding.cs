using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using AtomicLru;
using AtomicLru.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>
/// Binds <see cref="AtomicLruOptions"/> from a configuration section key by key, and turns every mistake into a
/// start-up failure that names it: an unknown key (with the nearest valid name), or a value that does not parse
/// (with the value and the form expected). The plain binder would ignore the first and throw an
/// <see cref="InvalidOperationException"/> for the second. A section that does not exist binds nothing and is
/// logged once as a Warning: the cache then has no limits. It binds the options named <paramref name="boundName"/> only
/// (<see cref="Microsoft.Extensions.Options.Options.DefaultName"/> for the unnamed cache), each time they are built:
/// at start and on every reload of the section.
/// </summary>
/// <remarks>A fixed table, not reflection, so that it works the same under trimming and native AOT.</remarks>
internal sealed class AtomicLruSectionBinding(string boundName, IConfiguration section, ILoggerFactory? loggers) : IConfigureNamedOptions<AtomicLruOptions>, IValidateOptions<AtomicLruOptions>
{
    private static readonly Option[] Options =
    [
        new(nameof(AtomicLruOptions.SizeLimitInBytes), "a whole number of bytes, for example 104857600", (o, v) => o.SizeLimitInBytes = ParseLong(v)),
        new(nameof(AtomicLruOptions.MaxItemSizeInBytes), "a whole number of bytes, for example 1048576", (o, v) => o.MaxItemSizeInBytes = ParseLong(v)),
        new(nameof(AtomicLruOptions.MaxItems), "a whole number, for example 100000", (o, v) => o.MaxItems = ParseInt(v)),
        new(nameof(AtomicLruOptions.DefaultTtl), "a time span, for example \"00:05:00\"", (o, v) => o.DefaultTtl = ParseTimeSpan(v)),
        new(nameof(AtomicLruOptions.ExpirationScanFrequency), "a time span, for example \"00:00:01\"", (o, v) => o.ExpirationScanFrequency = ParseTimeSpan(v) ?? throw new FormatException()),
        new(nameof(AtomicLruOptions.LogKeys), "true or false", (o, v) => o.LogKeys = bool.Parse(v)),
        new(nameof(AtomicLruOptions.EvictionPolicy), "Lru or TinyLfu", (o, v) => o.EvictionPolicy = ParsePolicy(v)),
    ];

    /// <summary>The child that holds named caches' sections (<c>AtomicLru:Caches:sessions</c>): not an option, never an error.</summary>
    internal const string NamedCachesKey = "Caches";

    /// <summary>The mistakes found while binding each options instance, for <see cref="Validate"/> to report.</summary>
    private readonly ConditionalWeakTable<AtomicLruOptions, List<string>> _errors = [];
    private int _warned;

    /// <summary>The name of the options this binds.</summary>
    internal string Name => boundName;

    /// <summary>The section's path, as error messages name its keys (for example <c>AtomicLru</c>).</summary>
    internal string Path => section is IConfigurationSection { Path: var path } ? path : "the configuration root";

    public void Configure(AtomicLruOptions options) => Configure(Microsoft.Extensions.Options.Options.DefaultName, options);

    public void Configure(string? name, AtomicLruOptions options)
    {
        if (!IsMine(name))
        {
            return;
        }

        var errors = new List<string>();
        _errors.AddOrUpdate(options, errors);
        // The named caches' sections (AtomicLru:Caches:sessions) are bound by their own registrations.
        IConfigurationSection[] children = [.. section.GetChildren().Where(c => !string.Equals(c.Key, NamedCachesKey, StringComparison.OrdinalIgnoreCase))];
        if (children.Length == 0)
        {
            WarnOnce(Path);
            return;
        }

        foreach (IConfigurationSection child in children)
        {
            Option? option = Options.FirstOrDefault(o => string.Equals(o.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (option is null)
            {
                errors.Add($"{child.Path} is not an AtomicLru option; did you mean {Nearest(child.Key)}? The options are {string.Join(", ", Options.Select(o => o.Name))}.");
                continue;
            }

            if (child.Value is null)
            {
                errors.Add($"{child.Path} has children; it must be {option.Expected}.");
                continue;
            }

            try
            {
                option.Apply(options, child.Value);
            }
            catch (Exception exception) when (exception is FormatException or OverflowException)
            {
                errors.Add($"{child.Path} is '{child.Value}', which is not {option.Expected}.");
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, AtomicLruOptions options)
    {
        if (!IsMine(name))
        {
            return ValidateOptionsResult.Skip;
        }

        return _errors.TryGetValue(options, out List<string>? errors) && errors.Count > 0
            ? ValidateOptionsResult.Fail(errors)
            : ValidateOptionsResult.Success;
    }

    private bool IsMine(string? optionsName) => (optionsName ?? Microsoft.Extensions.Options.Options.DefaultName) == boundName;

    private void WarnOnce(string path)
    {
        if (Interlocked.Exchange(ref _warned, 1) != 0)
        {
            return;
        }

        if (loggers is not null)
        {
            AtomicLruLog.MissingSection(loggers.CreateLogger("AtomicLru"), path);
        }
    }

    /// <summary>
    /// The option fewest edits away from <paramref name="key"/>, looking first among the names that begin with it (a
    /// name cut short); ignoring case.
    /// </summary>
    private static string Nearest(string key)
    {
        Option[] extending = Options.Where(o => o.Name.StartsWith(key, StringComparison.OrdinalIgnoreCase)).ToArray();
        return (extending.Length > 0 ? extending : Options).MinBy(o => Distance(o.Name.ToUpperInvariant(), key.ToUpperInvariant()))!.Name;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static long? ParseLong(string value)
        => value.Length == 0 ? null : long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static int? ParseInt(string value)
        => value.Length == 0 ? null : int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>The policy by name, ignoring case (a number is not a name); empty for the default.</summary>
    private static AtomicLruEvictionPolicy ParsePolicy(string value) => value.Trim().ToUpperInvariant() switch
    {
        "" or "LRU" => AtomicLruEvictionPolicy.Lru,
        "TINYLFU" => AtomicLruEvictionPolicy.TinyLfu,
        _ => throw new FormatException(),
    };

    private static TimeSpan? ParseTimeSpan(string value)
        => value.Length == 0 ? null : TimeSpan.Parse(value, CultureInfo.InvariantCulture);

    private sealed record Option(string Name, string Expected, Action<AtomicLruOptions, string> Apply);
}
