namespace Portal.Core.Storage;

/// <summary>How much a repository's storage remote holds; kept as counters so a quota check costs one row read.</summary>
public sealed class StorageUsage
{
    public long RepositoryId { get; set; }

    public long Objects { get; set; }

    public long Bytes { get; set; }
}
