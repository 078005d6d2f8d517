using System;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests.Linearizability;

/// <summary>
/// Every result of the core faces under concurrency is explained by some order of the calls on an exact LRU (see
/// <see cref="LinearizabilityCheck"/>), with reference, small value-type and wide value-type values.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class CoreFaceLinearizabilityTests
{
    private const long Iterations = 1500;
    private static readonly Expiry[] TtlKinds = [Expiry.None, Expiry.ShortTtl, Expiry.LongTtl];
    private const FaceOperations CoreOffers = FaceOperations.GetOrAdd | FaceOperations.Contains | FaceOperations.Refresh | FaceOperations.RemoveResult;

    /// <summary>A value of reference type.</summary>
    private sealed record Box(int Value);

    [Fact]
    public void Storage_of_references_is_linearizable()
        => LinearizabilityCheck.Run(time => new StorageFace<Box>(time, v => new Box(v), b => b.Value), TtlKinds, CoreOffers, Iterations);

    [Fact]
    public void Storage_of_ints_is_linearizable()
        => LinearizabilityCheck.Run(time => new StorageFace<int>(time, v => v, v => v), TtlKinds, CoreOffers, Iterations);

    [Fact]
    public void Storage_of_wide_structs_is_linearizable_and_never_tears()
        => LinearizabilityCheck.Run(
            time => new StorageFace<(long, long, long, long)>(time, v => (v, v, v, v), Untorn),
            TtlKinds, CoreOffers, Iterations);

    [Fact]
    public void Serialized_cache_is_linearizable()
        => LinearizabilityCheck.Run(time => new SerializedCacheFace(time), TtlKinds, CoreOffers, Iterations);

    [Fact]
    public void Storage_of_ints_under_TinyLfu_is_linearizable()
        => LinearizabilityCheck.Run(
            time => new StorageFace<int>(time, v => v, v => v, AtomicLruEvictionPolicy.TinyLfu), TtlKinds, CoreOffers, Iterations, policy: AtomicLruEvictionPolicy.TinyLfu);

    [Fact]
    public void Storage_of_references_under_TinyLfu_is_linearizable()
        => LinearizabilityCheck.Run(
            time => new StorageFace<Box>(time, v => new Box(v), b => b.Value, AtomicLruEvictionPolicy.TinyLfu), TtlKinds, CoreOffers, Iterations, policy: AtomicLruEvictionPolicy.TinyLfu);

    [Fact]
    public void Serialized_cache_under_TinyLfu_is_linearizable()
        => LinearizabilityCheck.Run(time => new SerializedCacheFace(time, AtomicLruEvictionPolicy.TinyLfu), TtlKinds, CoreOffers, Iterations, policy: AtomicLruEvictionPolicy.TinyLfu);

    private static int Untorn((long A, long B, long C, long D) value)
        => value.A == value.B && value.B == value.C && value.C == value.D ? (int)value.A : throw new InvalidOperationException($"A torn value: {value}");
}
