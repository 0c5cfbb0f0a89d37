using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Jobs;

/// <summary>Settings under <c>Portal:Jobs</c>: how the background-work engine claims, leases and schedules.</summary>
public sealed class JobOptions : IValidatableObject
{
    public const string Section = "Portal:Jobs";

    /// <summary>How often the scheduler queues due work and ends runs whose lease lapsed.</summary>
    public TimeSpan SchedulerPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a claim lasts without renewal (a worker renews it every third of this while it runs). A run whose
    /// process died is recovered once its lease lapses, by any node: this bounds how long a crash delays the retry.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often an idle worker looks for queued work it was not woken for (work queued by another node).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Names this node's leases (with the process id); defaults to the machine name.</summary>
    [MaxLength(64)]
    public string NodeName { get; set; } = Environment.MachineName;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SchedulerPeriod <= TimeSpan.Zero || Lease < TimeSpan.FromSeconds(1) || PollInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Portal:Jobs:SchedulerPeriod and PollInterval must be positive, and Lease at least one second.");
        }
    }
}
