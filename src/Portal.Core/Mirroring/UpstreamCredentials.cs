namespace Portal.Core.Mirroring;

/// <summary>Decrypted upstream credentials, held in memory only for the length of one operation.</summary>
public sealed record UpstreamCredentials(string? UserName, string? Secret, string? SshPrivateKey)
{
    public static UpstreamCredentials None { get; } = new(null, null, null);

    /// <summary>Every value that must be scrubbed from output.</summary>
    public IEnumerable<string> Secrets => new[] { Secret, SshPrivateKey }.Where(s => !string.IsNullOrEmpty(s))!;
}
