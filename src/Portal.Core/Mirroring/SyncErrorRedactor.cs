using System.Text.RegularExpressions;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;

namespace Portal.Core.Mirroring;

/// <summary>
/// What a reader may see of a sync error. The stored text is already scrubbed of secrets (see CredentialScrubber) and
/// goes in full to maintainers; everyone else gets it without the upstream's address: URLs, user@host remotes, IP
/// addresses and host names become placeholders, so a public mirror does not publish where its upstream lives or
/// which internal addresses Portal reached. What went wrong (and Portal's hint) stays readable.
/// </summary>
public static partial class SyncErrorRedactor
{
    public const string UpstreamPlaceholder = "<upstream>";
    public const string HostPlaceholder = "<host>";
    public const string AddressPlaceholder = "<address>";

    /// <summary>The text as this role may see it: in full for maintainers, redacted for everyone else.</summary>
    public static string? ForRole(string? error, RepositoryRole role, string? upstreamUrl) =>
        error is null || role >= RepositoryRole.Admin ? error : Redact(error, upstreamUrl);

    /// <summary>Removes every upstream URL, remote, address and host name; <paramref name="upstreamUrl"/> names a host to remove even where it has no dots.</summary>
    public static string Redact(string error, string? upstreamUrl = null)
    {
        var text = Url().Replace(error, UpstreamPlaceholder);
        text = ScpRemote().Replace(text, UpstreamPlaceholder);
        if (upstreamUrl is not null && UpstreamUrl.Parse(upstreamUrl) is { Succeeded: true } parsed && parsed.Value!.Url.BareHost.Length > 0)
        {
            text = Regex.Replace(text, $@"(?<![\w.-]){Regex.Escape(parsed.Value.Url.BareHost)}(?![\w-])", HostPlaceholder, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }

        text = IPv6().Replace(text, AddressPlaceholder);
        text = IPv4().Replace(text, AddressPlaceholder);
        text = QuotedHostResolving().Replace(text, "'" + HostPlaceholder + "'");
        text = HostAfterKeyword().Replace(text, m => m.Groups["keyword"].Value + HostPlaceholder);
        text = DottedHostName().Replace(text, HostPlaceholder);
        return text;
    }

    // scheme://anything up to whitespace or a quote: git quotes URLs with ', Go (git-lfs) with ".
    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'""<>]*")]
    private static partial Regex Url();

    // git@host:path and git@host (ssh's "git@gitlab.internal: Permission denied").
    [GeneratedRegex(@"\b[A-Za-z0-9._-]+@(?:\[[0-9A-Fa-f:.%]+\]|[A-Za-z0-9._-]+)(?::[^\s'""]+)?")]
    private static partial Regex ScpRemote();

    // fd00::5, [fd00::5]:8443, ::ffff:10.1.2.3: two or more colons between hex groups, not part of a longer word.
    [GeneratedRegex(@"\[?(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.]+)?(?![\w:])\]?")]
    private static partial Regex IPv6();

    [GeneratedRegex(@"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]*\w)")]
    private static partial Regex IPv4();

    // The places git, curl, OpenSSH and Portal name a host that may have no dots ("resolve host: gitlab",
    // "connect to host gitlab port 22", "unable to look up gitlab (port 1)"); "closed by remote host" and "reset by peer" stay.
    [GeneratedRegex(@"(?:(?<keyword>resolve host(?:name)?:?\s+'?|look up\s+|Connection to\s+|(?:closed|reset) by\s+|host key for\s+'?|Permanently added\s+'|the host\s+'|key from\s+)(?!(?:remote|peer|server)\b)(?<host>[A-Za-z0-9_-][A-Za-z0-9._-]*)|(?<keyword>connect to\s+(?:host\s+)?)(?!(?:remote|peer|server)\b)(?<host>[A-Za-z0-9_-][A-Za-z0-9._-]*)(?=\s+port\b|:))", RegexOptions.IgnoreCase)]
    private static partial Regex HostAfterKeyword();

    // Portal's own address-policy refusal names the host in quotes: "'minio' resolves to 10.0.0.7, an internal address".
    [GeneratedRegex(@"'[^'\s]+'(?=\s+resolves to\b)")]
    private static partial Regex QuotedHostResolving();

    // gitlab.internal, git.example.com: dotted names whose last label starts with a letter (so 1.2.3 and v2.1 stay).
    [GeneratedRegex(@"(?<![\w.@/-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}(?![\w-]|\.\w)")]
    private static partial Regex DottedHostName();
}
