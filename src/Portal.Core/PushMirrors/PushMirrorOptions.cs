using System.ComponentModel.DataAnnotations;

namespace Portal.Core.PushMirrors;

/// <summary>
/// Settings under <c>Portal:PushMirrors</c>. Intervals, backoff and hard-fail are the pull mirrors' (<c>Portal:Sync</c>):
/// a push mirror fails and recovers exactly like one.
/// </summary>
public sealed class PushMirrorOptions : IValidatableObject
{
    public const string Section = "Portal:PushMirrors";

    /// <summary>How long a push mirror waits after a change of its repository: a burst of pushes within it is one run.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Push mirror runs at once on this node; the rest wait in order.</summary>
    [Range(1, 256)]
    public int MaxConcurrent { get; set; } = 2 * Environment.ProcessorCount;

    /// <summary>Push mirrors one repository may have.</summary>
    [Range(1, 100)]
    public int MaxPerRepository { get; set; } = 10;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Debounce < TimeSpan.Zero || Debounce > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Portal:PushMirrors:Debounce must be between 0 and 1 hour.");
        }
    }
}
