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

    public Task<IDisposable> AcquireAsync(long repositoryId, CancellationToken cancellationToken) =>
        locks.GetOrAdd(repositoryId, _ => new SemaphoreSlim(1, 1)).EnterAsync(cancellationToken);
}
