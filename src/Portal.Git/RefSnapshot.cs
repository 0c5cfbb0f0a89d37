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
    public static bool IsExcludedByDefault(string refName) => IsReviewRef(refName);

    private static bool IsReviewRef(ReadOnlySpan<char> refName) =>
        refName.StartsWith("refs/pull/", StringComparison.Ordinal) || refName.StartsWith("refs/merge-requests/", StringComparison.Ordinal);

    /// <summary>
    /// Parses <c>git ls-remote --symref</c> output, dropping peeled tags, HEAD and excluded refs. Read line by line over
    /// the text: only the names and ids kept become strings (6,000 refs are 12,000 lines once tags are peeled, read on
    /// every sync).
    /// </summary>
    public static RefSnapshot ParseLsRemote(string output)
    {
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        string? head = null;
        var excluded = 0;
        for (var rest = output.AsSpan(); !rest.IsEmpty;)
        {
            var line = NextLine(ref rest);
            var tab = line.IndexOf('\t');
            if (tab < 0)
            {
                continue;
            }

            var left = line[..tab];
            var name = line[(tab + 1)..].TrimEnd('\r');
            if (left.StartsWith("ref: ", StringComparison.Ordinal))
            {
                if (name is "HEAD")
                {
                    head = left[5..].ToString();
                }

                continue;
            }

            if (name is "HEAD" || name.EndsWith("^{}", StringComparison.Ordinal) || !name.StartsWith("refs/", StringComparison.Ordinal))
            {
                continue;
            }

            if (IsReviewRef(name))
            {
                excluded++;
                continue;
            }

            refs[name.ToString()] = left.ToString();
        }

        return new RefSnapshot(refs, head) { ExcludedByDefault = excluded };
    }

    /// <summary>Parses <c>git for-each-ref --format="%(objectname) %(refname)"</c> output, line by line over the text.</summary>
    public static RefSnapshot ParseForEachRef(string output, string? head)
    {
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var rest = output.AsSpan(); !rest.IsEmpty;)
        {
            var line = NextLine(ref rest);
            var space = line.IndexOf(' ');
            if (space > 0)
            {
                refs[line[(space + 1)..].ToString()] = line[..space].ToString();
            }
        }

        return new RefSnapshot(refs, head);
    }

    /// <summary>
    /// The text up to the next '\n' (only that: a ref name may hold other line separators, such as U+2028, which
    /// <see cref="MemoryExtensions.EnumerateLines(ReadOnlySpan{char})"/> would split on); <paramref name="rest"/> moves past it.
    /// </summary>
    private static ReadOnlySpan<char> NextLine(ref ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOf('\n');
        var line = end < 0 ? rest : rest[..end];
        rest = end < 0 ? [] : rest[(end + 1)..];
        return line;
    }
}
