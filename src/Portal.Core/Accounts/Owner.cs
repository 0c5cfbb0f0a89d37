namespace Portal.Core.Accounts;

/// <summary>
/// One row per name in the shared namespace of users and organizations. Both kinds point here, so a unique index on
/// <see cref="Slug"/> keeps "alice" the user and "alice" the organization from ever both existing.
/// </summary>
public sealed class Owner
{
    public long Id { get; set; }

    /// <summary>The name as its creator typed it (already validated as a slug).</summary>
    public required string Name { get; set; }

    /// <summary>The lower-cased name: the key for lookups and uniqueness.</summary>
    public required string Slug { get; set; }

    public OwnerKind Kind { get; set; }

    public DateTime CreatedAt { get; set; }
}

public enum OwnerKind
{
    User,
    Organization,
}
