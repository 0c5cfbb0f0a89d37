namespace Portal.Core.Upstreams;

/// <summary>Decrypted upstream credentials, held in memory only for the length of one operation.</summary>
public sealed record UpstreamCredentials(string? UserName, string? Secret, string? SshPrivateKey)
{
    public static UpstreamCredentials None { get; } = new(null, null, null);

    /// <summary>How these credentials authenticate: a deploy key, a password or token, or not at all.</summary>
    public UpstreamAuthKind AuthKind =>
        SshPrivateKey is not null ? UpstreamAuthKind.SshKey
        : Secret is not null ? UpstreamAuthKind.Password
        : UpstreamAuthKind.None;

    /// <summary>
    /// The Basic credential (base64 of user:secret) for https/http upstreams, or null without a secret. A token alone
    /// works as the Basic password with any user name on GitHub, GitLab and Gitea.
    /// </summary>
    public string? BasicParameter() => string.IsNullOrEmpty(Secret)
        ? null
        : Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{(string.IsNullOrEmpty(UserName) ? "x-access-token" : UserName)}:{Secret}"));

    /// <summary>Every value that must be scrubbed from output.</summary>
    public IEnumerable<string> Secrets => new[] { Secret, SshPrivateKey }.Where(s => !string.IsNullOrEmpty(s))!;
}
