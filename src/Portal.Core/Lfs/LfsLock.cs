namespace Portal.Core.Lfs;

/// <summary>A Git LFS file lock (git lfs lock): one path of one repository, held by one person until they or a maintainer unlock it.</summary>
public sealed class LfsLock
{
    /// <summary>The id clients see and unlock by: 32 random hex digits.</summary>
    public required string Id { get; set; }

    public long RepositoryId { get; set; }

    /// <summary>The path as git-lfs sends it, relative to the repository root with forward slashes.</summary>
    public required string Path { get; set; }

    public required string OwnerUserId { get; set; }

    /// <summary>The holder's user name when the lock was taken, shown as the lock's owner.</summary>
    public required string OwnerName { get; set; }

    public DateTime LockedAt { get; set; }
}
