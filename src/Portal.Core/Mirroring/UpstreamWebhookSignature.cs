using System.Security.Cryptography;
using System.Text;

namespace Portal.Core.Mirroring;

/// <summary>Who sent an upstream webhook, known by the header that signs it.</summary>
public enum UpstreamProvider
{
    GitHub,
    GitLab,
    Gitea,
    Forgejo,
    Bitbucket,
}

/// <summary>What an upstream webhook asks for, once its signature holds.</summary>
public enum UpstreamWebhookEvent
{
    /// <summary>Refs changed upstream: sync.</summary>
    Push,

    /// <summary>The provider testing the hook: answer, do nothing.</summary>
    Ping,

    /// <summary>Anything else (issues, releases, …): acknowledged, nothing done.</summary>
    Other,
}

/// <summary>
/// Each provider's way of signing a webhook, as each documents it:
/// <list type="bullet">
/// <item>GitHub: <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c>, event in <c>X-GitHub-Event</c> (<c>push</c>, <c>ping</c>);</item>
/// <item>GitLab: the secret itself in <c>X-Gitlab-Token</c>, event in <c>X-Gitlab-Event</c> (<c>Push Hook</c>, <c>Tag Push Hook</c>);</item>
/// <item>Gitea: <c>X-Gitea-Signature: &lt;hex HMAC-SHA256&gt;</c>, event in <c>X-Gitea-Event</c> (<c>push</c>, <c>create</c>, <c>delete</c>);</item>
/// <item>Forgejo: <c>X-Forgejo-Signature: &lt;hex HMAC-SHA256&gt;</c>, event in <c>X-Forgejo-Event</c>;</item>
/// <item>Bitbucket (Cloud and Data Center): <c>X-Hub-Signature: sha256=&lt;hex HMAC-SHA256&gt;</c>, event in <c>X-Event-Key</c>
/// (<c>repo:push</c>, <c>repo:refs_changed</c>, <c>diagnostics:ping</c>).</item>
/// </list>
/// The most specific header present decides the scheme, and a wrong value there is refused: it is never rescued by
/// another header (Gitea, for one, also sends GitHub's headers with the same HMAC, and a SHA-1 <c>X-Hub-Signature</c>
/// that Portal never accepts). Every comparison is constant-time.
/// </summary>
public sealed class UpstreamWebhookSignature(UpstreamProvider provider, string value, string? eventName)
{
    public const string GitHubSignatureHeader = "X-Hub-Signature-256";
    public const string GitHubEventHeader = "X-GitHub-Event";
    public const string GitLabTokenHeader = "X-Gitlab-Token";
    public const string GitLabEventHeader = "X-Gitlab-Event";
    public const string GiteaSignatureHeader = "X-Gitea-Signature";
    public const string GiteaEventHeader = "X-Gitea-Event";
    public const string ForgejoSignatureHeader = "X-Forgejo-Signature";
    public const string ForgejoEventHeader = "X-Forgejo-Event";
    public const string BitbucketSignatureHeader = "X-Hub-Signature";
    public const string BitbucketEventHeader = "X-Event-Key";

    private const string Sha256Prefix = "sha256=";

    public UpstreamProvider Provider { get; } = provider;

    /// <summary>The event header's value, as sent.</summary>
    public string? EventName { get; } = eventName;

    /// <summary>The signature (or GitLab's token, which is the secret itself): private, so no log or ToString shows it.</summary>
    private string Value { get; } = value;

    /// <summary>The signature the request carries, by the most specific header present; null when it carries none Portal accepts.</summary>
    public static UpstreamWebhookSignature? Find(Func<string, string?> header)
    {
        if (header(GitLabTokenHeader) is { } token)
        {
            return new(UpstreamProvider.GitLab, token, header(GitLabEventHeader));
        }

        if (header(ForgejoSignatureHeader) is { } forgejo)
        {
            return new(UpstreamProvider.Forgejo, forgejo, header(ForgejoEventHeader) ?? header(GiteaEventHeader));
        }

        if (header(GiteaSignatureHeader) is { } gitea)
        {
            return new(UpstreamProvider.Gitea, gitea, header(GiteaEventHeader));
        }

        if (header(GitHubSignatureHeader) is { } github)
        {
            return new(UpstreamProvider.GitHub, github, header(GitHubEventHeader));
        }

        // GitHub's (and Gitea's) X-Hub-Signature is SHA-1: only Bitbucket's sha256= form is a signature Portal accepts.
        if (header(BitbucketSignatureHeader) is { } hub && hub.StartsWith(Sha256Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return new(UpstreamProvider.Bitbucket, hub, header(BitbucketEventHeader));
        }

        return null;
    }

    /// <summary>
    /// Whether the signature holds for <paramref name="secret"/>. For HMAC schemes the body is read to its end through
    /// the hash (never held in memory); GitLab's token does not involve the body.
    /// </summary>
    public async Task<bool> VerifyAsync(string secret, Stream body, CancellationToken cancellationToken)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        if (Provider == UpstreamProvider.GitLab)
        {
            // Hashed first, so the comparison takes the same time whatever the lengths.
            return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(Value)), SHA256.HashData(key));
        }

        var hex = (Provider is UpstreamProvider.GitHub or UpstreamProvider.Bitbucket
            ? (Value.StartsWith(Sha256Prefix, StringComparison.OrdinalIgnoreCase) ? Value[Sha256Prefix.Length..] : null)
            : Value)?.Trim();
        if (hex is not { Length: 64 } || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        var given = Convert.FromHexString(hex);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hmac.AppendData(buffer, 0, read);
        }

        var expected = hmac.GetHashAndReset();
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>What the (verified) request asks for, by the provider's event header.</summary>
    public UpstreamWebhookEvent Event => (Provider, EventName?.Trim().ToLowerInvariant()) switch
    {
        (UpstreamProvider.GitHub, "push") => UpstreamWebhookEvent.Push,
        (UpstreamProvider.GitHub, "ping") => UpstreamWebhookEvent.Ping,
        (UpstreamProvider.GitLab, "push hook" or "tag push hook") => UpstreamWebhookEvent.Push,
        (UpstreamProvider.Gitea or UpstreamProvider.Forgejo, "push" or "create" or "delete") => UpstreamWebhookEvent.Push,
        (UpstreamProvider.Bitbucket, "repo:push" or "repo:refs_changed") => UpstreamWebhookEvent.Push,
        (UpstreamProvider.Bitbucket, "diagnostics:ping") => UpstreamWebhookEvent.Ping,
        _ => UpstreamWebhookEvent.Other,
    };
}
