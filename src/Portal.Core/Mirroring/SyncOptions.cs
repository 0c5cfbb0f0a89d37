using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Mirroring;

/// <summary>Settings under <c>Portal:Sync</c>.</summary>
public sealed class SyncOptions : IValidatableObject
{
    public const string Section = "Portal:Sync";

    /// <summary>How often a mirror syncs unless its own interval says otherwise.</summary>
    public TimeSpan DefaultInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The shortest interval a repository may ask for.</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How soon after a manual sync another manual sync is accepted.</summary>
    public TimeSpan MinManualInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><see cref="MinManualInterval"/> as people read it, in the API's refusal and on the sync button: "5 minutes".</summary>
    public string MinManualIntervalText => Duration(MinManualInterval);

    /// <summary>A wait as people read it: "20 seconds", "1 minute", "5 minutes".</summary>
    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: < 60 } => Count(Math.Ceiling(span.TotalSeconds), "second"),
        _ => Count(Math.Ceiling(span.TotalMinutes), "minute"),
    };

    private static string Count(double value, string unit) => value == 1 ? $"1 {unit}" : $"{value:0} {unit}s";

    /// <summary>Syncs running at once; the rest wait in order.</summary>
    [Range(1, 256)]
    public int MaxConcurrent { get; set; } = 2 * Environment.ProcessorCount;

    /// <summary>The first retry delay after a failure; it doubles with each further failure, capped at the interval.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Consecutive failures after which a mirror stops syncing automatically until a person syncs or edits it.</summary>
    [Range(1, 1000)]
    public int MaxConsecutiveFailures { get; set; } = 14;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinInterval <= TimeSpan.Zero || DefaultInterval < MinInterval)
        {
            yield return new ValidationResult("Portal:Sync:DefaultInterval must be at least Portal:Sync:MinInterval, which must be positive.");
        }

        if (InitialBackoff <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Portal:Sync:InitialBackoff must be positive.");
        }
    }

    /// <summary>How failed syncs back off and when a mirror hard-fails.</summary>
    public Jobs.JobRetryPolicy RetryPolicy => new(MaxConsecutiveFailures, InitialBackoff);

    /// <summary>The delay before retry number <paramref name="failures"/>: 5 min, 10, 20, … never more than the interval.</summary>
    public TimeSpan BackoffAfter(int failures, TimeSpan interval) => RetryPolicy.BackoffAfter(failures, interval);
}
