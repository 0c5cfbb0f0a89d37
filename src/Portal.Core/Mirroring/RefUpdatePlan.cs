using Portal.Git;

namespace Portal.Core.Mirroring;

/// <summary>
/// What an incremental sync changes, worked out from the mirror's refs and the upstream's as <c>ls-remote</c> listed them
/// (filtered): the refs to create, move and delete, and the objects to fetch for them. It deletes only refs the mirror
/// manages — those its filter takes, never review refs — exactly what <c>fetch --prune</c> with the mirror's negative
/// refspecs pruned.
/// </summary>
internal sealed class RefUpdatePlan
{
    private RefUpdatePlan(IReadOnlyList<RefUpdate> updates, IReadOnlyList<string> objects, IReadOnlyDictionary<string, string> after)
    {
        Updates = updates;
        ObjectsToFetch = objects;
        AfterRefs = after;
    }

    public IReadOnlyList<RefUpdate> Updates { get; }

    /// <summary>The new values, each once: what fetch asks the upstream for by id.</summary>
    public IReadOnlyList<string> ObjectsToFetch { get; }

    /// <summary>
    /// Whether a ref is deleted where another is created beneath its name or above it (<c>feature</c> gives way to
    /// <c>feature/next</c>): git cannot do both in one transaction, so the deletions must go first, on their own.
    /// </summary>
    public bool ReplacesNames
    {
        get
        {
            var deleted = Updates.Where(u => u.NewSha is null).Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
            var created = Updates.Where(u => u.OldSha is null).Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
            return created.Any(name => Parents(name).Any(deleted.Contains)) || deleted.Any(name => Parents(name).Any(created.Contains));
        }
    }

    /// <summary>The mirror's refs once <see cref="Updates"/> are applied.</summary>
    public IReadOnlyDictionary<string, string> AfterRefs { get; }

    /// <summary>
    /// The plan from <paramref name="before"/> to <paramref name="wanted"/>, or null when an object id the upstream
    /// listed is not one (git's own parser then decides, on the fetch by name).
    /// </summary>
    public static RefUpdatePlan? Between(RefSnapshot before, RefSnapshot wanted, BranchFilter filter)
    {
        var updates = new List<RefUpdate>();
        var after = new Dictionary<string, string>(before.Refs, StringComparer.Ordinal);
        foreach (var (name, sha) in wanted.Refs.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!IsObjectId(sha))
            {
                return null;
            }

            var known = before.Refs.TryGetValue(name, out var old);
            if (known && old == sha)
            {
                continue;
            }

            updates.Add(new RefUpdate(name, known ? old : null, sha));
            after[name] = sha;
        }

        foreach (var (name, old) in before.Refs.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!wanted.Refs.ContainsKey(name) && filter.Includes(name) && !RefSnapshot.IsExcludedByDefault(name))
            {
                updates.Add(new RefUpdate(name, old, null));
                after.Remove(name);
            }
        }

        var objects = updates.Where(u => u.NewSha is not null).Select(u => u.NewSha!).Distinct(StringComparer.Ordinal).ToList();
        return new RefUpdatePlan(updates, objects, after);
    }

    /// <summary><c>refs/heads/a/b</c> → <c>refs/heads/a</c>, <c>refs/heads</c>, <c>refs</c>.</summary>
    private static IEnumerable<string> Parents(string name)
    {
        for (var slash = name.LastIndexOf('/'); slash > 0; slash = name.LastIndexOf('/', slash - 1))
        {
            yield return name[..slash];
        }
    }

    /// <summary>A full SHA-1 or SHA-256 object id in git's lower-case hex.</summary>
    internal static bool IsObjectId(string value) =>
        value.Length is 40 or 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
