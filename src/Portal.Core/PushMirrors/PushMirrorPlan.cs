namespace Portal.Core.PushMirrors;

/// <summary>One ref update on a push-mirror target: set to <see cref="NewSha"/> (null: delete) if it is still <see cref="Expected"/> (null: absent).</summary>
public sealed record TargetRefUpdate(string RefName, string? Expected, string? NewSha)
{
    /// <summary>git push's compare-and-swap: the update happens only if the target still holds what Portal saw.</summary>
    public string Lease => $"--force-with-lease={RefName}:{Expected}";

    public string Refspec => NewSha is null ? $":{RefName}" : $"{NewSha}:{RefName}";
}

/// <summary>
/// What a push-mirror run does to its target, decided from Portal's refs and the target's (both already filtered to
/// what the mirror pushes). By default the target becomes an exact copy: created, updated (forced where it diverged)
/// and deleted as needed. With <c>keepDivergentRefs</c> only creations and fast-forwards happen: a target ref that is
/// not an ancestor of Portal's (including one whose commit Portal has never seen) is left alone and reported, and refs
/// only the target has are kept. Every update is guarded by the value Portal saw on the target.
/// </summary>
public sealed record PushMirrorPlan(IReadOnlyList<TargetRefUpdate> Updates, IReadOnlyList<string> Diverged)
{
    public static async Task<PushMirrorPlan> DecideAsync(
        IReadOnlyDictionary<string, string> local,
        IReadOnlyDictionary<string, string> target,
        bool keepDivergentRefs,
        Func<string, string, Task<bool>> isAncestor)
    {
        var updates = new List<TargetRefUpdate>();
        var diverged = new List<string>();
        foreach (var (name, sha) in local.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!target.TryGetValue(name, out var theirs))
            {
                updates.Add(new TargetRefUpdate(name, null, sha));
            }
            else if (theirs != sha)
            {
                if (!keepDivergentRefs || await isAncestor(theirs, sha))
                {
                    updates.Add(new TargetRefUpdate(name, theirs, sha));
                }
                else
                {
                    diverged.Add(name);
                }
            }
        }

        if (!keepDivergentRefs)
        {
            updates.AddRange(target.Where(r => !local.ContainsKey(r.Key)).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new TargetRefUpdate(r.Key, r.Value, null)));
        }

        return new PushMirrorPlan(updates, diverged);
    }
}
