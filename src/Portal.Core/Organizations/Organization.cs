using Portal.Core.Accounts;

namespace Portal.Core.Organizations;

public sealed class Organization
{
    public long Id { get; set; }

    public long OwnerId { get; set; }

    public Owner? Owner { get; set; }

    public string Description { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public List<OrganizationMember> Members { get; set; } = [];
}

public sealed class OrganizationMember
{
    public long OrganizationId { get; set; }

    public required string UserId { get; set; }

    public PortalUser? User { get; set; }

    public OrganizationRole Role { get; set; }

    public DateTime AddedAt { get; set; }
}

/// <summary>Ordered from least to most power, so "at least maintainer" is a comparison.</summary>
public enum OrganizationRole
{
    Reader = 10,
    Developer = 20,
    Maintainer = 30,
    Owner = 40,
}
