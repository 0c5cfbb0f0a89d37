namespace Portal.Git;

/// <summary>A set of refs (name → object id) and where HEAD points, from ls-remote or for-each-ref.</summary>
public sealed record RefSnapshot(IReadOnlyDictionary<string, string> Refs, string? Head)
{
    public static RefSnapshot Empty { get; } = new(new Dictionary<string, string>(), null);

    /// <summary>
    /// From ls-remote: how many refs the upstream advertised that a mirror skips by default (<see cref="IsExcludedByDefault"/>),
    /// which are not in <see cref="Refs"/>. A transfer that cannot leave them out (clone) may only run when this is 0.
    /// </summary>
    public int ExcludedByDefault { get; init; }

    /// <summary>Refs a mirror skips by default: review refs of hosting services, which are many and not the project's.</summary>
    public static bool IsExcludedByDefault(string refName) =>
        refName.StartsWith("refs/pull/", StringComparison.Ordinal) || refName.StartsWith("refs/merge-requests/", StringComparison.Ordinal);

    /// <summary>Parses <c>git ls-remote --symref</c> output, dropping peeled tags, HEAD and excluded refs.</summary>
    public static RefSnapshot ParseLsRemote(string output)
    {
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        string? head = null;
        var excluded = 0;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            if (tab < 0)
            {
                continue;
            }

            var left = line[..tab];
            var name = line[(tab + 1)..].TrimEnd('\r');
            if (left.StartsWith("ref: ", StringComparison.Ordinal))
            {
                if (name == "HEAD")
                {
                    head = left[5..];
                }

                continue;
            }

            if (name == "HEAD" || name.EndsWith("^{}", StringComparison.Ordinal) || !name.StartsWith("refs/", StringComparison.Ordinal))
            {
                continue;
            }

            if (IsExcludedByDefault(name))
            {
                excluded++;
                continue;
            }

            refs[name] = left;
        }

        return new RefSnapshot(refs, head) { ExcludedByDefault = excluded };
    }

    /// <summary>Parses <c>git for-each-ref --format='%(objectname) %(refname)'</c> output.</summary>
    public static RefSnapshot ParseForEachRef(string output, string? head)
    {
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ');
            if (space > 0)
            {
                refs[line[(space + 1)..]] = line[..space];
            }
        }

        return new RefSnapshot(refs, head);
    }

    public bool SameRefsAs(RefSnapshot other) =>
        Refs.Count == other.Refs.Count && Refs.All(r => other.Refs.TryGetValue(r.Key, out var sha) && sha == r.Value);
}
