using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace AtomicLru.Tests.Linearizability;

/// <summary>How an operation of the checker asks for its entry to expire.</summary>
public enum Expiry
{
    /// <summary>Never (no TTL).</summary>
    None,

    /// <summary>A fixed TTL of 1.5 s.</summary>
    ShortTtl,

    /// <summary>A fixed TTL of 2.5 s.</summary>
    LongTtl,

    /// <summary>A sliding window of 1.5 s (only faces that have sliding expiry).</summary>
    Sliding,
}

/// <summary>
/// The sequential specification the linearizability checker explains results with: an exact LRU with TTL, in
/// which a read's effect on recency may be applied late or never, as the engine's contract allows under contention
/// (reads are recorded in lossy buffers and replayed by writes). It is therefore a set of possible states
/// (<see cref="Branch"/>): a hit leaves its key's refresh pending, and before every write (and every tick of the
/// clock) any subset of the pending refreshes is applied, in any order, or dropped. Everything else is exact: the
/// value a read returns, what a Set, GetOrAdd or Remove returns, which entries expire, and, given the refreshes
/// applied, which entry is evicted. Time is in milliseconds; entries expire mid-second and the clock moves in whole
/// seconds, so an expired entry is always well past the timer wheel's resolution when a write reclaims it.
/// </summary>
public sealed class LruModel
{
    private const int MaxBranches = 20_000;

    private List<Branch> _branches;

    /// <param name="maxItems">The cache's MaxItems.</param>
    /// <param name="anyVictim">
    /// For Window TinyLFU: a write that must make room may evict any entry other than its own, so the model branches
    /// over every choice and keeps no recency order. Every other result is still exact.
    /// </param>
    public LruModel(int maxItems, bool anyVictim = false)
    {
        MaxItems = maxItems;
        _branches = [new Branch { AnyVictim = anyVictim }];
    }

    /// <summary>The cache's MaxItems.</summary>
    public int MaxItems { get; }

    /// <summary>The possible states: at least one, unless no order explains what was seen.</summary>
    public IReadOnlyList<Branch> Branches => _branches;

    /// <summary>Expiry time for an entry written at <paramref name="now"/>.</summary>
    internal static (long ExpiresAt, long Sliding) ExpiryOf(Expiry expiry, long now) => expiry switch
    {
        Expiry.None => (long.MaxValue, 0),
        Expiry.ShortTtl => (now + 1500, 0),
        Expiry.LongTtl => (now + 2500, 0),
        _ => (now + 1500, 1500),
    };

    /// <summary>A read: "hit:value" or "miss". A hit slides a sliding entry and leaves a refresh pending.</summary>
    public void Get(long id, string key) => StepRead(branch => branch.Get(id, key, record: true));

    /// <summary>A read that returns nothing but slides and refreshes as a read does (IDistributedCache.Refresh).</summary>
    public void Refresh(long id, string key) => StepRead(branch => branch.Get(id, key, record: false));

    /// <summary>True if the key has a live entry; no recency.</summary>
    public void Contains(long id, string key) => StepRead(branch => [branch.With(id, branch.IsLive(key) ? "true" : "false")]);

    /// <summary>Stores a value; returns "ok".</summary>
    public void Set(long id, string key, int value, Expiry expiry)
        => StepAfterDrains(branch => branch.Set(id, key, value, expiry, MaxItems));

    /// <summary>Returns the live value ("value"), or stores and returns the given one.</summary>
    public void GetOrAdd(long id, string key, int value, Expiry expiry)
    {
        // A hit is a read (lock-free, refresh pending); a miss is a write (drains, may evict).
        var next = new List<Branch>();
        foreach (Branch branch in _branches)
        {
            if (branch.IsLive(key))
            {
                next.AddRange(branch.Get(id, key, record: false).Select(b => b.With(id, b.Entries[key].Value.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }
            else
            {
                foreach (Branch drained in branch.Drains())
                {
                    next.AddRange(drained.Set(id, key, value, expiry, MaxItems).Select(b => b.With(id, value.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                }
            }
        }

        Replace(next);
    }

    /// <summary>Removes the key's entry: "true" if a live one was there.</summary>
    public void Remove(long id, string key) => StepAfterDrains(branch => [branch.Remove(id, key)]);

    /// <summary>Removes every entry.</summary>
    public void Clear(long id) => Step(branch => [new Branch { Now = branch.Now, Results = branch.Results, AnyVictim = branch.AnyVictim }.With(id, "ok")]);

    /// <summary>
    /// A lock-free read: besides every state so far, it may see a full cache one entry short, the entry a write in progress
    /// evicts to make room before its own entry appears (a write takes the victim out, then publishes; a reader between
    /// the two sees neither). Such a state owes that room to the next write of a new key, which then evicts nothing; a
    /// state still owing it at the end explains nothing (see <see cref="Branch.RoomMade"/>).
    /// </summary>
    private void StepRead(Func<Branch, IEnumerable<Branch>> apply)
        => Replace(_branches.SelectMany(branch => branch.EarlyEvictions(MaxItems)).SelectMany(apply).ToList());

    /// <summary>The clock moves on; the background reclaim (which also replays reads) may run.</summary>
    public void Advance(long id, long milliseconds)
        => StepAfterDrains(branch => [branch.Advanced(milliseconds).With(id, "ok")]);

    private void StepAfterDrains(Func<Branch, IEnumerable<Branch>> apply)
        => Step(branch => branch.Drains().SelectMany(apply));

    private void Step(Func<Branch, IEnumerable<Branch>> apply) => Replace(_branches.SelectMany(apply).ToList());

    private void Replace(List<Branch> next)
    {
        var distinct = new Dictionary<string, Branch>();
        foreach (Branch branch in next)
        {
            distinct.TryAdd(branch.Signature(), branch);
        }

        if (distinct.Count > MaxBranches)
        {
            throw new InvalidOperationException($"The model has {distinct.Count} possible states: the test's operations are too many to check.");
        }

        _branches = [.. distinct.Values];
    }

    /// <inheritdoc />
    public override string ToString() => $"{_branches.Count} possible states, e.g. {_branches.FirstOrDefault()}";

    /// <summary>One possible state of the cache, with the results the operations gave in it.</summary>
    public sealed class Branch
    {
        /// <summary>Keys, least recently used first.</summary>
        public List<string> Order { get; init; } = [];

        /// <summary>Live or expired-but-held entries.</summary>
        public Dictionary<string, (int Value, long ExpiresAt, long Sliding)> Entries { get; init; } = [];

        /// <summary>Keys whose read's refresh may still be applied.</summary>
        public List<string> Pending { get; init; } = [];

        /// <summary>What each operation (by id) returned.</summary>
        public Dictionary<long, string> Results { get; init; } = [];

        /// <summary>Milliseconds since the start.</summary>
        public long Now { get; init; }

        /// <summary>Whether a write may evict any entry (Window TinyLFU), with no recency order kept; see <see cref="LruModel(int, bool)"/>.</summary>
        public bool AnyVictim { get; init; }

        /// <summary>An entry left early to make room for a write still in progress; the next write of a new key uses that room.</summary>
        public bool RoomMade { get; init; }

        /// <summary>This state, and, if the cache is full, each state a write in progress may have made by evicting first.</summary>
        internal IEnumerable<Branch> EarlyEvictions(int maxItems)
        {
            yield return this;
            if (RoomMade)
            {
                yield break;
            }

            Branch reclaimed = Reclaimed();
            if (reclaimed.Order.Count < maxItems)
            {
                yield break;
            }

            IEnumerable<Branch> before = AnyVictim ? [reclaimed] : reclaimed.Drains();
            foreach (Branch state in before)
            {
                foreach (string victim in AnyVictim ? state.Order : state.Order.Take(1))
                {
                    Branch evicted = state.Clone();
                    evicted.Order.Remove(victim);
                    evicted.Entries.Remove(victim);
                    evicted.Pending.Remove(victim);
                    yield return evicted.WithRoomMade(true);
                }
            }
        }

        private Branch WithRoomMade(bool roomMade) => new()
        {
            Order = Order,
            Entries = Entries,
            Pending = Pending,
            Results = Results,
            Now = Now,
            AnyVictim = AnyVictim,
            RoomMade = roomMade,
        };

        internal bool IsLive(string key) => Entries.TryGetValue(key, out var entry) && Now < entry.ExpiresAt;

        internal Branch Clone() => new()
        {
            Order = [.. Order],
            Entries = new(Entries),
            Pending = [.. Pending],
            Results = new(Results),
            Now = Now,
            AnyVictim = AnyVictim,
            RoomMade = RoomMade,
        };

        internal Branch With(long id, string result)
        {
            Branch copy = Clone();
            copy.Results[id] = result;
            return copy;
        }

        internal IEnumerable<Branch> Get(long id, string key, bool record)
        {
            if (!IsLive(key))
            {
                yield return With(id, record ? "miss" : "ok");
                yield break;
            }

            Branch read = record ? With(id, "hit:" + Entries[key].Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) : Clone();
            if (!record)
            {
                read.Results[id] = "ok";
            }

            var (value, expiresAt, sliding) = read.Entries[key];
            if (sliding > 0)
            {
                read.Entries[key] = (value, Math.Max(expiresAt, read.Now + sliding), sliding);
            }

            if (!read.AnyVictim && !read.Pending.Contains(key))
            {
                read.Pending.Add(key);
            }

            yield return read;
        }

        /// <summary>Every way the pending refreshes may have been replayed before a write: any subset, in any order.</summary>
        internal IEnumerable<Branch> Drains()
        {
            var outcomes = new List<Branch>();
            Expand(this, outcomes);
            return outcomes;

            static void Expand(Branch state, List<Branch> outcomes)
            {
                outcomes.Add(state);
                foreach (string key in state.Pending)
                {
                    Branch next = state.Clone();
                    next.Pending.Remove(key);
                    if (next.Entries.ContainsKey(key))
                    {
                        next.Order.Remove(key);
                        next.Order.Add(key);
                    }

                    Expand(next, outcomes);
                }
            }
        }

        internal IEnumerable<Branch> Set(long id, string key, int value, Expiry expiry, int maxItems)
        {
            Branch next = Reclaimed();
            bool present = next.Entries.ContainsKey(key);
            if (!present && next.RoomMade)
            {
                next = next.WithRoomMade(false); // the room a reader saw made early: nothing more to evict
            }

            if (present)
            {
                next.Order.Remove(key);
            }
            else if (next.AnyVictim && next.Order.Count >= maxItems)
            {
                // Window TinyLFU: one write adds one entry, so one eviction, of any entry held.
                foreach (string victim in next.Order)
                {
                    Branch evicted = next.Clone();
                    evicted.Order.Remove(victim);
                    evicted.Entries.Remove(victim);
                    var (victimExpiresAt, victimSliding) = ExpiryOf(expiry, evicted.Now);
                    evicted.Entries[key] = (value, victimExpiresAt, victimSliding);
                    evicted.Order.Add(key);
                    evicted.Order.Sort(StringComparer.Ordinal);
                    evicted.Results[id] = "ok";
                    yield return evicted;
                }

                yield break;
            }
            else
            {
                while (next.Order.Count >= maxItems)
                {
                    string victim = next.Order[0];
                    next.Order.RemoveAt(0);
                    next.Entries.Remove(victim);
                    next.Pending.Remove(victim);
                }
            }

            var (expiresAt, sliding) = ExpiryOf(expiry, next.Now);
            next.Entries[key] = (value, expiresAt, sliding);
            next.Order.Add(key);
            if (next.AnyVictim)
            {
                next.Order.Sort(StringComparer.Ordinal); // no recency order: one canonical order, so equal states merge
            }

            next.Results[id] = "ok";
            yield return next;
        }

        internal Branch Remove(long id, string key)
        {
            Branch next = Reclaimed();
            bool live = next.Entries.ContainsKey(key);
            next.Entries.Remove(key);
            next.Order.Remove(key);
            next.Pending.Remove(key);
            next.Results[id] = live ? "true" : "false";
            return next;
        }

        internal Branch Advanced(long milliseconds) => new Branch
        {
            Order = [.. Order],
            Entries = new(Entries),
            Pending = [.. Pending],
            Results = new(Results),
            Now = Now + milliseconds,
            AnyVictim = AnyVictim,
            RoomMade = RoomMade,
        }.Reclaimed();

        /// <summary>A copy without the expired entries, which every write reclaims first.</summary>
        private Branch Reclaimed()
        {
            Branch next = Clone();
            foreach (string key in Entries.Keys)
            {
                if (!IsLive(key))
                {
                    next.Entries.Remove(key);
                    next.Order.Remove(key);
                    next.Pending.Remove(key);
                }
            }

            return next;
        }

        /// <summary>The live entries, as the checker reads them off the real cache at the end.</summary>
        public SortedDictionary<string, int> LiveEntries()
        {
            var live = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var (key, entry) in Entries)
            {
                if (Now < entry.ExpiresAt)
                {
                    live[key] = entry.Value;
                }
            }

            return live;
        }

        internal string Signature()
        {
            var text = new StringBuilder();
            text.Append(Now).Append(RoomMade ? "|room|" : "|").AppendJoin(',', Order).Append('|').AppendJoin(',', Pending.Order(StringComparer.Ordinal)).Append('|');
            foreach (var (key, entry) in Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                text.Append(key).Append('=').Append(entry.Value).Append('@').Append(entry.ExpiresAt).Append('~').Append(entry.Sliding).Append(';');
            }

            text.Append('|');
            foreach (var (id, result) in Results.OrderBy(r => r.Key))
            {
                text.Append(id).Append(':').Append(result).Append(';');
            }

            return text.ToString();
        }

        /// <inheritdoc />
        public override string ToString()
            => $"now {Now} ms, LRU first: [{string.Join(", ", Order.Select(k => $"{k}={Entries[k].Value}"))}], pending [{string.Join(", ", Pending)}]";
    }
}
