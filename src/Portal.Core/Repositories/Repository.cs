using Portal.Core.Accounts;
using Portal.Core.Upstreams;

namespace Portal.Core.Repositories;

public sealed class Repository
{
    public long Id { get; set; }

    public long OwnerId { get; set; }

    public Owner? Owner { get; set; }

    public required string Name { get; set; }

    /// <summary>The lower-cased name: repository names are unique per owner regardless of case.</summary>
    public required string NormalizedName { get; set; }

    public string Description { get; set; } = "";

    public RepositoryVisibility Visibility { get; set; }

    public RepositoryMode Mode { get; set; }

    public string? DefaultBranch { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public UpstreamSource? Upstream { get; set; }

    public UpstreamCredential? Credential { get; set; }
}

public enum RepositoryVisibility
{
    Public,
    Internal,
    Private,
}

public enum RepositoryMode
{
    /// <summary>A read-only copy kept in sync with its upstream.</summary>
    Mirror,

    /// <summary>Imported once from an upstream; now hosted here.</summary>
    Migrated,

    /// <summary>Created here.</summary>
    Hosted,
}
