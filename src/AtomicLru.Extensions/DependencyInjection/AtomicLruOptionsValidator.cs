using System;
using System.Collections.Generic;
using System.Linq;
using AtomicLru;
using Microsoft.Extensions.Options;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>
/// Checks <see cref="AtomicLruOptions"/> at start-up (with <c>ValidateOnStart</c>) and on every reload, naming the key
/// and value at fault: by the path of the configuration section the options were bound from (for example
/// <c>AtomicLru:Caches:sessions:MaxItems</c>), else <c>AtomicLru:MaxItems</c> for the unnamed cache and
/// <c>AtomicLru['sessions']:MaxItems</c> for a named one configured in code.
/// </summary>
internal sealed class AtomicLruOptionsValidator(IEnumerable<AtomicLruSectionBinding> sections) : IValidateOptions<AtomicLruOptions>
{
    public ValidateOptionsResult Validate(string? name, AtomicLruOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentOutOfRangeException exception)
        {
            return ValidateOptionsResult.Fail($"{Prefix(name ?? Options.DefaultName)}:{exception.ParamName}: {exception.Message}");
        }
    }

    private string Prefix(string name)
        => sections.LastOrDefault(s => s.Name == name)?.Path
            ?? (name == Options.DefaultName ? "AtomicLru" : $"AtomicLru['{name}']");
}
