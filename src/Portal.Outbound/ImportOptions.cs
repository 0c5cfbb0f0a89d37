using System.ComponentModel.DataAnnotations;

namespace Portal.Outbound;

/// <summary>
/// Settings under <c>Portal:Import</c>: which hosts Portal may connect to. Named for the first feature that needed
/// them; every outbound connection (git, Git LFS, and later webhooks and push mirrors) is checked against them by
/// <see cref="OutboundAddressPolicy"/>.
/// </summary>
public sealed class ImportOptions : IValidatableObject
{
    public const string Section = "Portal:Import";

    /// <summary>Allow every loopback, private, link-local and other internal address. Off by default: an import URL must not become a way to reach Portal's own network.</summary>
    public bool AllowLocalNetwork { get; set; }

    /// <summary>Internal hosts allowed one by one: names, *.wildcards, addresses or CIDR ranges (see <see cref="AllowedHostList"/>).</summary>
    public List<string> AllowedHosts { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var parsed = AllowedHostList.Parse(AllowedHosts);
        if (!parsed.Succeeded)
        {
            yield return new ValidationResult(parsed.Refusal!, [nameof(AllowedHosts)]);
        }
    }
}
