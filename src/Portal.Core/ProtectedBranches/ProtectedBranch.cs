namespace Portal.Core.ProtectedBranches;

/// <summary>
/// A protected-branch rule of one repository: the branches it covers (an exact name, or a glob where <c>*</c> matches
/// any run of characters, '/' included), whether force-pushes and deletions are allowed, and who may push at all.
/// Enforced by Portal's pre-receive hook on every push; also what "only protected branches" means for mirrors.
/// </summary>
public sealed class ProtectedBranch
{
    public long Id { get; set; }

    public long RepositoryId { get; set; }

    /// <summary>A branch name without <c>refs/heads/</c>, or a glob over branch names (checked by <see cref="BranchPattern"/>).</summary>
    public required string Pattern { get; set; }

    public bool AllowForcePush { get; set; }

    public bool AllowDeletion { get; set; }

    public PushAccess PushAccess { get; set; } = PushAccess.Maintainer;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public bool Covers(string branch) => BranchPattern.Matches(Pattern, branch);
}

/// <summary>Who may push to a protected branch.</summary>
public enum PushAccess
{
    /// <summary>The repository's maintainers (its owner, its organization's owners and maintainers, admins).</summary>
    Maintainer,

    /// <summary>Everyone who may push to the repository (developers and up).</summary>
    Developer,
}
