using System.ComponentModel.DataAnnotations;
using Portal.Core.Jobs;

namespace Portal.Core.Webhooks;

/// <summary>Settings under <c>Portal:Webhooks</c>: inbound upstream webhooks and outbound deliveries.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Portal:Webhooks";

    /// <summary>How long a delivery waits for the receiver's response (GitHub's is 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per delivery before it gives up (the first and its retries).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The first retry's delay; it doubles with each further failure, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Deliveries sent at once.</summary>
    [Range(1, 64)]
    public int MaxConcurrent { get; set; } = 4;

    /// <summary>How many recent deliveries each webhook keeps (older ones, and their jobs, are removed).</summary>
    [Range(1, 1000)]
    public int KeepDeliveries { get; set; } = 50;

    /// <summary>
    /// The largest upstream webhook body Portal reads (and hashes, to check its signature): 25 MiB, GitHub's own cap on
    /// payloads. It is streamed through the hash, never held in memory.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxInboundBodyBytes { get; set; } = 25L * 1024 * 1024;

    public JobRetryPolicy RetryPolicy => new(MaxAttempts, InitialBackoff);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Timeout <= TimeSpan.Zero || InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            yield return new ValidationResult("Portal:Webhooks:Timeout and InitialBackoff must be positive, and MaxBackoff at least InitialBackoff.");
        }
    }
}
