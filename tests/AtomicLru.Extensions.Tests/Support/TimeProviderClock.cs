using System;
using Microsoft.Extensions.Internal;

namespace AtomicLru.Extensions.Tests;

#pragma warning disable CS0618 // ISystemClock is obsolete, and still the only way to give MemoryCache a clock
/// <summary>Lets Microsoft's reference caches read a <see cref="TimeProvider"/> (a FakeTimeProvider in the contract suites).</summary>
internal sealed class TimeProviderClock(TimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
#pragma warning restore CS0618
