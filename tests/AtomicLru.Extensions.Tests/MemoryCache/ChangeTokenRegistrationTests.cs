using System;
using AtomicLru;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace AtomicLru.Extensions.Tests;

/// <summary>
/// An entry's expiration token, verified on a Moq stand-in: the cache registers one callback per token when the entry
/// is stored, and disposes that registration when the entry leaves, whether it is removed, overwritten or dropped by
/// <see cref="IDisposable.Dispose"/> (else a long-lived token would keep the cache and its values reachable).
/// </summary>
public sealed class ChangeTokenRegistrationTests
{
    private readonly Mock<IDisposable> _registration = new();
    private readonly Mock<IChangeToken> _token = new(MockBehavior.Strict);

    public ChangeTokenRegistrationTests()
    {
        _token.SetupGet(t => t.ActiveChangeCallbacks).Returns(true);
        _token.SetupGet(t => t.HasChanged).Returns(false);
        _token.Setup(t => t.RegisterChangeCallback(It.IsAny<Action<object?>>(), It.IsAny<object?>())).Returns(_registration.Object);
    }

    private static AtomicLruMemoryCache Create() => new(new AtomicLruOptions(), new FakeTimeProvider());

    [Theory]
    [InlineData("remove")]
    [InlineData("overwrite")]
    [InlineData("dispose")]
    public void The_cache_registers_once_and_disposes_the_registration_when_the_entry_leaves(string how)
    {
        AtomicLruMemoryCache cache = Create();
        cache.Set("k", 1, new MemoryCacheEntryOptions().AddExpirationToken(_token.Object));
        _token.Verify(t => t.RegisterChangeCallback(It.IsAny<Action<object?>>(), It.IsAny<object?>()), Times.Once());
        _registration.Verify(r => r.Dispose(), Times.Never());

        switch (how)
        {
            case "remove": cache.Remove("k"); break;
            case "overwrite": cache.Set("k", 2); break;
            default: cache.Dispose(); break;
        }

        _registration.Verify(r => r.Dispose(), Times.Once());
        cache.Dispose();
    }
}
