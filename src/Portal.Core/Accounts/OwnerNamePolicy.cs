using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Portal.Core.Accounts;

/// <summary>
/// Rules for user and organization names, which share one namespace and appear in URLs (<c>/{owner}/{repo}</c>).
/// ASCII only, so look-alike letters from other scripts cannot impersonate a name.
/// </summary>
public static partial class OwnerNamePolicy
{
    public const int MaxLength = 39;

    /// <summary>Names that would shadow one of Portal's own routes, or that some file systems treat specially.</summary>
    private static readonly FrozenSet<string> Reserved = new[]
    {
        "about", "account", "admin", "api", "assets", "blog", "dashboard", "explore", "favicon.ico", "git", "healthz",
        "help", "import", "issues", "login", "logout", "new", "notifications", "org", "orgs", "organizations",
        "register", "repo", "repos", "robots.txt", "search", "settings", "signin", "signout", "signup", "static",
        "system", "user", "users", "_blazor", "_content", "_framework", "error", "not-found",
        // Windows device names: harmless here, but refusing them keeps exported data portable.
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
        "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static string Normalize(string name) => name.Trim().ToLowerInvariant();

    public static NameCheck Check(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return new("Enter a name.");
        }

        if (name.Length > MaxLength)
        {
            return new($"Names are at most {MaxLength} characters; this one has {name.Length}.");
        }

        if (!Shape().IsMatch(name))
        {
            return new("Use only letters a-z, digits, '-', '_' and '.', starting with a letter or digit.");
        }

        var slug = Normalize(name);
        if (slug.Contains("..", StringComparison.Ordinal) || EndsWithRouteSuffix(slug))
        {
            return new("Names may not contain '..' or end in .git, .dvc or .mlflow.");
        }

        if (Reserved.Contains(slug))
        {
            return new($"'{slug}' is reserved by Portal; choose another name.");
        }

        return NameCheck.Valid;
    }

    internal static bool EndsWithRouteSuffix(string slug) =>
        slug.EndsWith(".git", StringComparison.Ordinal)
        || slug.EndsWith(".dvc", StringComparison.Ordinal)
        || slug.EndsWith(".mlflow", StringComparison.Ordinal);

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,38}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
