using System.Text.RegularExpressions;
using Portal.Core.Accounts;

namespace Portal.Core.Repositories;

/// <summary>Rules for repository names: URL-safe ASCII, unique per owner regardless of case.</summary>
public static partial class RepositoryNamePolicy
{
    public const int MaxLength = 100;

    public static string Normalize(string name) => name.Trim().ToLowerInvariant();

    public static NameCheck Check(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return new("Enter a repository name.");
        }

        if (name.Length > MaxLength)
        {
            return new($"Repository names are at most {MaxLength} characters; this one has {name.Length}.");
        }

        if (!Shape().IsMatch(name))
        {
            return new("Use only letters, digits, '-', '_' and '.', starting with a letter or digit.");
        }

        var normalized = Normalize(name);
        if (normalized.Contains("..", StringComparison.Ordinal) || OwnerNamePolicy.EndsWithRouteSuffix(normalized))
        {
            return new("Repository names may not contain '..' or end in .git, .dvc or .mlflow (Portal adds those).");
        }

        return NameCheck.Valid;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
