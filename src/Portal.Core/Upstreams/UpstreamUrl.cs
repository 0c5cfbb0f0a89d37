using System.Text.RegularExpressions;

namespace Portal.Core.Upstreams;

/// <summary>
/// A parsed upstream Git URL: https, http, git or ssh, never with a password in it. scp-style
/// <c>user@host:path</c> is normalised to <c>ssh://user@host/path</c>. Everything else (ext::, file://, local paths,
/// fd::, anything starting with '-') is refused before git ever sees it.
/// </summary>
public sealed partial record UpstreamUrl(string Scheme, string? UserName, string Host, int? Port, string Path)
{
    public const int MaxLength = 2048;

    /// <summary>The host without IPv6 brackets, as DNS or an address parser wants it.</summary>
    public string BareHost => Host.Trim('[', ']');

    public int EffectivePort => Port ?? Scheme switch
    {
        "https" => 443,
        "http" => 80,
        "git" => 9418,
        _ => 22,
    };

    public bool IsHttp => Scheme is "http" or "https";

    /// <summary>Over SSH Portal authenticates with a deploy key it generated, never a password or token.</summary>
    public bool AuthenticatesWithDeployKey => Scheme == "ssh";

    /// <summary>SSH servers prove who they are with host keys, which Portal pins; other transports have none.</summary>
    public bool HasHostKeys => Scheme == "ssh";

    /// <summary>The normalised URL, safe to store and show: it never carries a password.</summary>
    public override string ToString() => Format(Host);

    /// <summary>The same URL with another host (the pinned address), for transports that cannot pin by name.</summary>
    public string Format(string host)
    {
        var user = UserName is null ? "" : Uri.EscapeDataString(UserName) + "@";
        var port = Port is null ? "" : $":{Port}";
        return $"{Scheme}://{user}{host}{port}{Path}";
    }

    /// <summary>
    /// Whether both URLs name the same repository at the same address (host, port, path without a trailing ".git" or
    /// "/"), whatever the user: a push mirror back to a pull mirror's own upstream, for example.
    /// </summary>
    public bool SameRepositoryAs(UpstreamUrl other) =>
        string.Equals(BareHost, other.BareHost, StringComparison.OrdinalIgnoreCase)
        && EffectivePort == other.EffectivePort
        && string.Equals(RepositoryPath(Path), RepositoryPath(other.Path), StringComparison.OrdinalIgnoreCase);

    private static string RepositoryPath(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? trimmed[..^4] : trimmed;
    }

    /// <summary>The repository name the URL suggests: "https://host/org/Project.git" gives "Project".</summary>
    public string SuggestedName()
    {
        var last = Path.TrimEnd('/').Split('/').LastOrDefault() ?? "";
        return last.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? last[..^4] : last;
    }

    public static Outcome<ParsedUpstreamUrl> Parse(string? input)
    {
        var text = input?.Trim() ?? "";
        if (text.Length == 0)
        {
            return Refuse("Enter the repository's Git URL, e.g. https://github.com/org/repo.git or git@host:org/repo.git.");
        }

        if (text.Length > MaxLength)
        {
            return Refuse($"The URL is {text.Length} characters long; Portal accepts at most {MaxLength}.");
        }

        if (TransportPrefix().IsMatch(text))
        {
            return Refuse("Git's '<transport>::' URLs (ext::, fd:: and the like) can run commands and are not allowed: use https://, http://, git:// or ssh://.");
        }

        if (text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return Refuse("The URL contains spaces or control characters; paste it again without them.");
        }

        if (text.StartsWith('-'))
        {
            return Refuse("A URL cannot start with '-'.");
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        return schemeEnd >= 0 ? ParseUrl(text, text[..schemeEnd].ToLowerInvariant()) : ParseScp(text);
    }

    private static Outcome<ParsedUpstreamUrl> ParseUrl(string text, string scheme)
    {
        scheme = scheme switch
        {
            "git+ssh" or "ssh+git" => "ssh",
            _ => scheme,
        };
        if (scheme is not ("https" or "http" or "git" or "ssh"))
        {
            return Refuse($"'{scheme}://' URLs are not allowed: use https://, http://, git:// or ssh://.");
        }

        var match = UrlShape().Match(text);
        if (!match.Success)
        {
            return Refuse("That does not look like a Git URL: expected scheme://[user@]host[:port]/path.");
        }

        string? user = match.Groups["user"].Success ? Uri.UnescapeDataString(match.Groups["user"].Value) : null;
        string? password = match.Groups["password"].Success ? Uri.UnescapeDataString(match.Groups["password"].Value) : null;
        var host = match.Groups["host"].Value;
        int? port = null;
        if (match.Groups["port"].Success)
        {
            if (!int.TryParse(match.Groups["port"].Value, out var parsedPort) || parsedPort is < 1 or > 65535)
            {
                return Refuse("The port must be a number from 1 to 65535.");
            }

            port = parsedPort;
        }

        var path = match.Groups["path"].Value;
        return Build(scheme, user, password, host, port, path.Length == 0 ? "/" : path);
    }

    private static Outcome<ParsedUpstreamUrl> ParseScp(string text)
    {
        if (text.StartsWith('/') || text.StartsWith('.') || text.StartsWith('~') || text.Contains('\\') || !text.Contains(':'))
        {
            return Refuse("Local paths are not allowed: give a URL Portal can reach over the network (https://, git://, ssh:// or user@host:path).");
        }

        var match = ScpShape().Match(text);
        if (!match.Success)
        {
            return Refuse("That does not look like a Git URL: expected https://host/path or user@host:path.");
        }

        var path = match.Groups["path"].Value;
        return Build("ssh", match.Groups["user"].Success ? match.Groups["user"].Value : null, null, match.Groups["host"].Value, null, path.StartsWith('/') ? path : "/" + path);
    }

    private static Outcome<ParsedUpstreamUrl> Build(string scheme, string? user, string? password, string host, int? port, string path)
    {
        host = host.ToLowerInvariant();
        if (host.Length == 0 || host.StartsWith('-') || host.Contains('%'))
        {
            return Refuse("The URL has no valid host name.");
        }

        if (user is not null && (user.Length == 0 || user.StartsWith('-') || user.Any(char.IsControl)))
        {
            return Refuse("The user name in the URL is not valid.");
        }

        string decodedPath;
        try
        {
            decodedPath = Uri.UnescapeDataString(path);
        }
        catch (UriFormatException)
        {
            return Refuse("The URL's path is not valid.");
        }

        if (decodedPath.Any(char.IsControl))
        {
            return Refuse("The URL's path contains encoded control characters.");
        }

        if (decodedPath.Split('/').Any(segment => segment == ".."))
        {
            return Refuse("The URL's path may not contain '..'.");
        }

        // For https/http a user name in the URL is a credential, not part of the address: it moves to the
        // credentials with the password. For ssh it names the remote account and stays.
        var keepUser = scheme == "ssh" ? user : null;
        var url = new UpstreamUrl(scheme, keepUser, host, port, path);
        return new ParsedUpstreamUrl(url, scheme == "ssh" ? null : user, password);
    }

    private static PortalError Refuse(string message) => PortalError.Invalid(message);

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*::")]
    private static partial Regex TransportPrefix();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*://(?:(?<user>[^:@/\[\]]*)(?::(?<password>[^@/]*))?@)?(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(?<port>[0-9]{1,5}))?(?<path>/[^?#]*)?$")]
    private static partial Regex UrlShape();

    [GeneratedRegex(@"^(?:(?<user>[A-Za-z0-9._][A-Za-z0-9._-]*)@)?(?<host>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):(?<path>[^:]+)$")]
    private static partial Regex ScpShape();
}

/// <summary>A parsed URL plus any credentials that were embedded in it (they never stay in the URL).</summary>
public sealed record ParsedUpstreamUrl(UpstreamUrl Url, string? EmbeddedUserName, string? EmbeddedPassword);
