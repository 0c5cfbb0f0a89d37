namespace Portal.Core.Webhooks;

/// <summary>
/// One event sent (or to be sent) to one subscription: the exact body, signed at each attempt with the subscription's
/// current secret, and what the last attempt got back. Its job (kind <see cref="WebhookDeliveryJob.Kind"/>, target
/// this id) holds whether it is queued, retrying or done; a redelivery is a new delivery with the same body.
/// </summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }

    public long SubscriptionId { get; set; }

    public WebhookSubscription? Subscription { get; set; }

    /// <summary>Sent as <c>X-Portal-Delivery</c>: unique to this delivery (a redelivery gets its own).</summary>
    public required string Guid { get; set; }

    /// <summary>Sent as <c>X-Portal-Event</c>.</summary>
    public required string Event { get; set; }

    /// <summary>The JSON body, exactly as signed and sent.</summary>
    public required string RequestBody { get; set; }

    /// <summary>The delivery this one sends again, when a person asked for a redelivery.</summary>
    public long? RedeliveryOf { get; set; }

    public DateTime CreatedAt { get; set; }

    public int Attempts { get; set; }

    public DateTime? LastAttemptAt { get; set; }

    /// <summary>The last attempt's HTTP status; null when it got no response (refused, unreachable, timed out).</summary>
    public int? ResponseStatus { get; set; }

    public int? DurationMs { get; set; }

    /// <summary>The start of the last response's body, at most <see cref="WebhookDeliveryJob.MaxResponseSnippetBytes"/> bytes.</summary>
    public string? ResponseSnippet { get; set; }

    /// <summary>Why the last attempt failed, in words a person can act on; null after a 2xx.</summary>
    public string? Error { get; set; }
}
