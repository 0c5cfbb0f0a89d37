namespace Portal.Core.Upstreams;

/// <summary>
/// A deploy key generated before its repository exists (the wizard shows the public key, the user adds it upstream,
/// then tests the connection and creates the repository). It moves into <see cref="UpstreamCredential"/> when used.
/// </summary>
public sealed class PendingDeployKey
{
    public required string Id { get; set; }

    public required string UserId { get; set; }

    public required string ProtectedPrivateKey { get; set; }

    public required string PublicKey { get; set; }

    public DateTime CreatedAt { get; set; }
}
