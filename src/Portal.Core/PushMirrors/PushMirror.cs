using Portal.Core.Upstreams;

namespace Portal.Core.PushMirrors;

/// <summary>
/// A remote that Portal keeps up to date with one of its repositories (GitLab's push mirror): after every change of the
/// repository and on its interval, Portal pushes the branches and tags its options select. Its run state (status,
/// times, last error, failures) is its "push-mirror" job's; this row holds the settings and what the last run found.
/// </summary>
public sealed class PushMirror
{
    public long Id { get; set; }

    public long RepositoryId { get; set; }

    /// <summary>The normalised URL, never with credentials in it.</summary>
    public required string Url { get; set; }

    public UpstreamAuthKind AuthKind { get; set; }

    /// <summary>For ssh: the target's host keys (known_hosts lines), given or pinned on first contact.</summary>
    public string? PinnedHostKey { get; set; }

    /// <summary>Never force over, or delete, a target ref that has diverged or exists only there; report it instead.</summary>
    public bool KeepDivergentRefs { get; set; }

    /// <summary>Push only the branches protected here.</summary>
    public bool OnlyProtectedBranches { get; set; }

    /// <summary>Push only the branches whose names match this regular expression; null for all.</summary>
    public string? BranchFilter { get; set; }

    public bool MirrorTags { get; set; } = true;

    /// <summary>Also upload the Git LFS objects the pushed commits point to, to the target's LFS endpoint.</summary>
    public bool Lfs { get; set; }

    public int IntervalMinutes { get; set; } = 24 * 60;

    /// <summary>The refs the last run left alone because they diverged on the target (one a line); null when none.</summary>
    public string? DivergedRefs { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public PushMirrorCredential? Credential { get; set; }

    public IReadOnlyList<string> DivergedRefList => DivergedRefs is null ? [] : DivergedRefs.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>A push mirror's secrets, encrypted like upstream credentials, in their own table (deleted with the mirror).</summary>
public sealed class PushMirrorCredential : IStoredCredential
{
    public long PushMirrorId { get; set; }

    public string? Username { get; set; }

    public string? ProtectedSecret { get; set; }

    public string? ProtectedSshPrivateKey { get; set; }

    public string? SshPublicKey { get; set; }

    public DateTime UpdatedAt { get; set; }
}
