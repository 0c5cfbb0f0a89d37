namespace Portal.Core.Mirroring;

/// <summary>
/// A mirror's inbound webhook: the secret its upstream signs push notifications with (encrypted at rest). Created the
/// first time a maintainer looks at it; rotating replaces it at once.
/// </summary>
public sealed class UpstreamWebhook
{
    public long RepositoryId { get; set; }

    /// <summary>Encrypted with <see cref="Security.WebhookSecretProtector"/>.</summary>
    public required string ProtectedSecret { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? RotatedAt { get; set; }
}
