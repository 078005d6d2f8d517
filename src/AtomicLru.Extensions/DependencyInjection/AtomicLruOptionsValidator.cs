using System;
using AtomicLru;
using Microsoft.Extensions.Options;

namespace AtomicLru.Extensions.DependencyInjection;

/// <summary>Checks <see cref="AtomicLruOptions"/> at start-up (with <c>ValidateOnStart</c>), naming the key and value at fault.</summary>
internal sealed class AtomicLruOptionsValidator : IValidateOptions<AtomicLruOptions>
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
            return ValidateOptionsResult.Fail($"AtomicLru:{exception.ParamName}: {exception.Message}");
        }
    }
}
