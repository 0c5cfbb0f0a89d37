using System.Collections.Concurrent;

namespace Portal.Core.Mirroring;

/// <summary>
/// One writer of a mirror's refs at a time on this node: a scheduled sync and a write-through push fetching into the
/// same repository wait for each other instead of failing on git's ref locks. (Across nodes git's own locks still
/// refuse the second writer, which then fails and is retried.)
/// </summary>
public sealed class RepositoryLocks
{
    private readonly ConcurrentDictionary<long, SemaphoreSlim> locks = new();
    private readonly ConcurrentDictionary<long, long> releases = new();

    public Task<IDisposable> AcquireAsync(long repositoryId, CancellationToken cancellationToken) =>
        // Counted before the next writer can enter.
        locks.GetOrAdd(repositoryId, _ => new SemaphoreSlim(1, 1)).EnterAsync(cancellationToken, () => releases.AddOrUpdate(repositoryId, 1, (_, count) => count + 1));

    /// <summary>
    /// How many times the repository's lock was released on this node. Equal before a read of its refs (taken without
    /// the lock) and once the lock is held: no writer on this node held it in between, so that read is still true.
    /// </summary>
    public long Releases(long repositoryId) => releases.GetValueOrDefault(repositoryId);
}
