using System.Text.RegularExpressions;
using Portal.Git;
using Portal.Core.ProtectedBranches;

namespace Portal.Core.Mirroring;

/// <summary>
/// Which refs a mirror takes (pull) or sends (push): every branch, those whose names match a regular expression, or
/// those protected here; tags or not. Refs that are neither branches nor tags (notes, for example) are always
/// included. The regular expression is matched anywhere in the branch name (anchor it with ^ and $ to match whole
/// names) by .NET's non-backtracking engine, so its time is linear in the name whatever a maintainer typed.
/// </summary>
public sealed class BranchFilter
{
    public const int MaxRegexLength = 256;

    private readonly Regex? regex;
    private readonly IReadOnlyList<ProtectedBranch>? protectedOnly;

    private BranchFilter(Regex? regex, IReadOnlyList<ProtectedBranch>? protectedOnly, bool tags)
    {
        this.regex = regex;
        this.protectedOnly = protectedOnly;
        Tags = tags;
    }

    public static BranchFilter All { get; } = new(null, null, tags: true);

    public bool Tags { get; }

    /// <summary>Whether some branches are left out (so refspecs must name them).</summary>
    public bool SelectsBranches => regex is not null || protectedOnly is not null;

    /// <summary>
    /// The filter a mirror's settings describe. The stored regular expression was checked when it was saved; one that
    /// no longer compiles (a newer engine) fails here with the reason rather than mirroring everything.
    /// </summary>
    public static Outcome<BranchFilter> For(string? branchRegex, bool onlyProtected, bool tags, IReadOnlyList<ProtectedBranch> rules)
    {
        var parsed = ParseRegex(branchRegex);
        if (!parsed.Succeeded)
        {
            return parsed.Error!;
        }

        return new BranchFilter(parsed.Value, onlyProtected ? rules : null, tags);
    }

    /// <summary>A branch filter as a maintainer typed it: null or blank for none; else it must compile, within limits.</summary>
    public static Outcome<Regex?> ParseRegex(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (Regex?)null;
        }

        if (text.Length > MaxRegexLength)
        {
            return PortalError.Invalid($"The branch filter is {text.Length} characters long; at most {MaxRegexLength} are allowed.");
        }

        try
        {
            return new Regex(text, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException exception)
        {
            return PortalError.Invalid($"The branch filter is not a valid regular expression: {exception.Message}");
        }
        catch (NotSupportedException exception)
        {
            // Backreferences, lookarounds and the like need backtracking, which Portal does not run on maintainers' patterns.
            return PortalError.Invalid($"The branch filter uses a construct Portal does not run (it matches in linear time: no backreferences, lookarounds or atomic groups): {exception.Message}");
        }
    }

    /// <summary>Checks a mirror's choice of branches: a regular expression or protected branches only, not both.</summary>
    public static PortalError? CheckChoice(string? branchRegex, bool onlyProtected)
    {
        if (onlyProtected && !string.IsNullOrWhiteSpace(branchRegex))
        {
            return PortalError.Invalid("Choose either a branch filter or only protected branches, not both.");
        }

        var parsed = ParseRegex(branchRegex);
        return parsed.Succeeded ? null : parsed.Error;
    }

    public bool Includes(string refName)
    {
        if (refName.StartsWith("refs/tags/", StringComparison.Ordinal))
        {
            return Tags;
        }

        if (!refName.StartsWith("refs/heads/", StringComparison.Ordinal))
        {
            return true;
        }

        return IncludesBranch(refName["refs/heads/".Length..]);
    }

    public bool IncludesBranch(string branch)
    {
        if (protectedOnly is not null)
        {
            return protectedOnly.Any(rule => rule.Covers(branch));
        }

        try
        {
            return regex?.IsMatch(branch) ?? true;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the refs of <paramref name="local"/> this filter takes are exactly <paramref name="wanted"/> (already
    /// filtered): the question every sync asks, answered without building the filtered copy (thousands of refs).
    /// </summary>
    public bool SameRefs(RefSnapshot local, RefSnapshot wanted)
    {
        var taken = 0;
        foreach (var (name, id) in local.Refs)
        {
            if (!Includes(name))
            {
                continue;
            }

            if (!wanted.Refs.TryGetValue(name, out var wantedId) || wantedId != id)
            {
                return false;
            }

            taken++;
        }

        return taken == wanted.Refs.Count;
    }

    /// <summary>The refs of <paramref name="refs"/> the filter takes.</summary>
    public Dictionary<string, string> Apply(IReadOnlyDictionary<string, string> refs) =>
        refs.Where(r => Includes(r.Key)).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
}
