namespace Portal.Core.Storage;

/// <summary>
/// How much a repository's large-file storage holds, DVC, Git LFS and MLflow artifacts counted apart; kept as counters
/// so a quota check costs one row read. All count against the one per-repository quota (<see cref="StorageQuota"/>).
/// </summary>
public sealed class StorageUsage
{
    public long RepositoryId { get; set; }

    /// <summary>DVC objects stored.</summary>
    public long Objects { get; set; }

    /// <summary>Bytes of DVC objects stored.</summary>
    public long Bytes { get; set; }

    public long LfsObjects { get; set; }

    public long LfsBytes { get; set; }

    /// <summary>MLflow artifact files stored (an overwritten file is still one).</summary>
    public long ArtifactObjects { get; set; }

    public long ArtifactBytes { get; set; }

    /// <summary>What the quota is measured against.</summary>
    public long TotalBytes => Bytes + LfsBytes + ArtifactBytes;
}
