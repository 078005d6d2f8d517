using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.Extensions.Time.Testing;

namespace AtomicLru.Tests.Linearizability;

/// <summary>One face of AtomicLru as the linearizability checker drives it: string keys, int values, results as text.</summary>
public interface ICacheFace : IDisposable
{
    /// <summary>The faces's own name, for messages.</summary>
    string Name { get; }

    /// <summary>"hit:value" or "miss".</summary>
    string Get(string key);

    /// <summary>Stores the value with the expiry.</summary>
    void Set(string key, int value, Expiry expiry);

    /// <summary>The value returned (existing or added), as text.</summary>
    string GetOrAdd(string key, int value, Expiry expiry);

    /// <summary>"true"/"false" where the face says whether it removed something, else "ok" after the call (the model's answer is then ignored).</summary>
    string Remove(string key);

    /// <summary>"true"/"false".</summary>
    string Contains(string key);

    /// <summary>Slides and refreshes as a read does, returns nothing.</summary>
    void Refresh(string key);

    /// <summary>Removes every entry.</summary>
    void Clear();

    /// <summary>The live entries, read after the run (may touch recency: nothing runs after it).</summary>
    SortedDictionary<string, int> LiveEntries(IEnumerable<string> keys);

    /// <summary>Throws if the engine's structures disagree or a limit is exceeded.</summary>
    void CheckInvariants();
}

/// <summary>A face with its clock and the results its operations gave, by operation id.</summary>
public sealed class CacheUnderTest(ICacheFace face, FakeTimeProvider time) : IDisposable
{
    private SortedDictionary<string, int>? _live;

    /// <summary>The keys the operations use.</summary>
    public static readonly string[] Keys = ["k0", "k1", "k2", "k3", "k4"];

    /// <summary>The face driven.</summary>
    public ICacheFace Face { get; } = face;

    /// <summary>The fake clock the face reads.</summary>
    public FakeTimeProvider Time { get; } = time;

    /// <summary>What each operation returned.</summary>
    public ConcurrentDictionary<long, string> Results { get; } = new();

    /// <summary>The live entries after the run, read once.</summary>
    public SortedDictionary<string, int> LiveEntries()
    {
        if (_live is null)
        {
            Face.CheckInvariants();
            _live = Face.LiveEntries(Keys);
        }

        return _live;
    }

    /// <summary>True if some possible state of the model gave every result seen and holds what the cache holds.</summary>
    public bool IsExplainedBy(LruModel model, bool compareRemoveResults)
    {
        SortedDictionary<string, int> live = LiveEntries();
        foreach (LruModel.Branch branch in model.Branches)
        {
            if (!branch.RoomMade && SameResults(branch.Results, compareRemoveResults) && branch.LiveEntries().SequenceEqual(live))
            {
                return true;
            }
        }

        return false;
    }

    private bool SameResults(Dictionary<long, string> expected, bool compareRemoveResults)
    {
        if (expected.Count != Results.Count)
        {
            return false;
        }

        foreach (var (id, result) in expected)
        {
            if (!Results.TryGetValue(id, out string? actual))
            {
                return false;
            }

            // A face whose Remove returns nothing answers "ok"; the model's "true"/"false" then says nothing.
            if (actual != result && !(actual == "ok" && !compareRemoveResults && result is "true" or "false"))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override string ToString()
        => $"{Face.Name}: live [{string.Join(", ", LiveEntries().Select(e => $"{e.Key}={e.Value}"))}], results [{string.Join(", ", Results.OrderBy(r => r.Key).Select(r => r.Value))}]";

    /// <inheritdoc />
    public void Dispose() => Face.Dispose();

    internal static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
