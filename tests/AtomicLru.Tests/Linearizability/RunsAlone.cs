namespace AtomicLru.Tests.Linearizability;

/// <summary>
/// The linearizability checker's collection: it runs with no other test class beside it. CsCheck keeps the
/// thread pool's workers busy with work they queue locally, so a test running beside it waited up to 30 s
/// for a <c>Task.Run</c> (measured) and its hang timeout fired on a cache that had not hung.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    /// <summary>The collection's name, for <see cref="CollectionAttribute"/>.</summary>
    public const string Name = "Linearizability checker, run alone";
}
