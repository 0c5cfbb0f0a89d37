namespace Portal.Core.ProtectedBranches;

/// <summary>
/// Protected-branch patterns: an exact branch name or a glob in which <c>*</c> matches any run of characters, '/'
/// included (<c>release/*</c>, <c>*-stable</c>). The characters allowed are those git allows in branch names, so the
/// push hook's shell <c>case</c> matches exactly as <see cref="Matches"/> does: it knows no other wildcard, and the
/// characters it would treat specially (<c>?</c>, <c>[</c>, <c>\</c>) cannot occur.
/// </summary>
public static class BranchPattern
{
    public const int MaxLength = 255;

    /// <summary>The pattern as stored (trimmed), or why it cannot be a branch pattern.</summary>
    public static Outcome<string> Check(string? input)
    {
        var pattern = input?.Trim() ?? "";
        if (pattern.Length == 0)
        {
            return PortalError.Invalid("Name the branch to protect, e.g. main, or a pattern such as release/*.");
        }

        if (pattern.Length > MaxLength)
        {
            return PortalError.Invalid($"Branch patterns are at most {MaxLength} characters.");
        }

        if (pattern.StartsWith("refs/", StringComparison.Ordinal))
        {
            return PortalError.Invalid($"Give the branch name without refs/heads/: '{pattern["refs/".Length..].Replace("heads/", "", StringComparison.Ordinal)}'.");
        }

        if (pattern.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '~' or '^' or ':' or '?' or '[' or '\\')
            || pattern.StartsWith('-') || pattern.StartsWith('/') || pattern.EndsWith('/') || pattern.EndsWith('.')
            || pattern.Contains("..", StringComparison.Ordinal) || pattern.Contains("//", StringComparison.Ordinal)
            || pattern.Contains("@{", StringComparison.Ordinal) || pattern.EndsWith(".lock", StringComparison.Ordinal))
        {
            return PortalError.Invalid($"'{pattern}' is not a branch name or pattern: use the characters git allows in branch names, with * as the only wildcard (e.g. release/*).");
        }

        return pattern;
    }

    /// <summary>Whether <paramref name="branch"/> (without refs/heads/) matches <paramref name="pattern"/>: linear in practice, quadratic at worst.</summary>
    public static bool Matches(string pattern, string branch)
    {
        int p = 0, b = 0, star = -1, resume = 0;
        while (b < branch.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = b;
            }
            else if (p < pattern.Length && pattern[p] == branch[b])
            {
                p++;
                b++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                b = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
