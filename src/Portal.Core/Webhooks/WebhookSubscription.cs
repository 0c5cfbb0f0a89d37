namespace Portal.Core.Webhooks;

/// <summary>
/// Where to send which events: a URL, the secret the payloads are signed with (encrypted at rest, never shown again),
/// the events, and whether it is on. It belongs to one repository or to one organization (all its repositories).
/// </summary>
public sealed class WebhookSubscription
{
    public long Id { get; set; }

    /// <summary>Set for a repository's own webhook (exactly one of this and <see cref="OrganizationId"/> is set).</summary>
    public long? RepositoryId { get; set; }

    /// <summary>Set for an organization's webhook, which hears the events of every repository the organization owns.</summary>
    public long? OrganizationId { get; set; }

    /// <summary>An absolute http(s) URL without credentials, checked against the address policy when set and at every delivery.</summary>
    public required string Url { get; set; }

    /// <summary>The signing secret, encrypted with <see cref="Security.WebhookSecretProtector"/>.</summary>
    public required string ProtectedSecret { get; set; }

    /// <summary>The subscribed events, as <see cref="WebhookEvents.Join"/> stores them.</summary>
    public string Events { get; set; } = "";

    public bool Active { get; set; } = true;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<string> EventNames => WebhookEvents.Split(Events);

    public bool Wants(string eventName) => Active && EventNames.Contains(eventName, StringComparer.Ordinal);
}
