namespace Portal.Core.Upstreams;

/// <summary>Where a mirror or migrated repository came from. Holds no secret: those live in <see cref="UpstreamCredential"/>.</summary>
public sealed class UpstreamSource
{
    public long RepositoryId { get; set; }

    /// <summary>The normalised URL, never with credentials in it.</summary>
    public required string Url { get; set; }

    public UpstreamAuthKind AuthKind { get; set; }

    /// <summary>The upstream's SSH host key as a known_hosts line, pinned on first contact.</summary>
    public string? PinnedHostKey { get; set; }

    public bool FetchLfs { get; set; } = true;

    /// <summary>
    /// The Git LFS endpoint a maintainer set for this mirror (https/http, no credentials); null to use the one derived
    /// from <see cref="Url"/>. The upstream's .lfsconfig is never consulted.
    /// </summary>
    public string? LfsUrl { get; set; }

    public int SyncIntervalMinutes { get; set; } = 24 * 60;

    /// <summary>Pushes to Portal go to the upstream first (with the stored credentials) and land here only once it accepts.</summary>
    public bool WriteThrough { get; set; }

    /// <summary>Only branches whose names match this regular expression are fetched (and pruned); null for all.</summary>
    public string? BranchFilter { get; set; }

    /// <summary>Only branches protected here are fetched (and pruned).</summary>
    public bool OnlyProtectedBranches { get; set; }

    /// <summary>Whether tags are fetched (and pruned) at all.</summary>
    public bool MirrorTags { get; set; } = true;
}

public enum UpstreamAuthKind
{
    None,
    Password,
    SshKey,
}

/// <summary>
/// Upstream secrets, each encrypted with ASP.NET Core Data Protection (keys in the data folder). Kept in their own
/// table so a migration or "stop mirroring" deletes them with one row, and nothing else ever selects them by accident.
/// </summary>
public sealed class UpstreamCredential : IStoredCredential
{
    public long RepositoryId { get; set; }

    public string? Username { get; set; }

    public string? ProtectedSecret { get; set; }

    public string? ProtectedSshPrivateKey { get; set; }

    /// <summary>The public half of the deploy key: not secret, shown to the user to paste upstream.</summary>
    public string? SshPublicKey { get; set; }

    public DateTime UpdatedAt { get; set; }
}
