using System.Collections.Concurrent;
using Portal.Core.Jobs;

namespace Portal.Core.Mirroring;

/// <summary>
/// Live progress of running syncs, for pages to show ("Receiving objects 45 %"). A singleton in memory: progress is
/// ephemeral, the database keeps what matters (status, runs).
/// </summary>
public sealed class SyncProgressTracker
{
    private readonly ConcurrentDictionary<long, SyncProgress> current = new();

    public SyncProgressTracker(JobSignals jobs)
    {
        // Sync state is the mirror's job: whenever the engine changes it, pages showing the repository reload.
        jobs.Changed += (kind, targetId) =>
        {
            if (kind == MirrorSyncJob.Kind)
            {
                StateChanged?.Invoke(targetId);
            }
        };
    }

    public event Action<long, SyncProgress?>? Changed;

    /// <summary>A repository's sync state changed (queued, started, finished): pages showing it reload it.</summary>
    public event Action<long>? StateChanged;

    public SyncProgress? Get(long repositoryId) => current.TryGetValue(repositoryId, out var progress) ? progress : null;

    public void Report(long repositoryId, SyncProgress progress)
    {
        if (current.TryGetValue(repositoryId, out var previous) && previous == progress)
        {
            return;
        }

        current[repositoryId] = progress;
        Changed?.Invoke(repositoryId, progress);
    }

    public void Clear(long repositoryId)
    {
        if (current.TryRemove(repositoryId, out _))
        {
            Changed?.Invoke(repositoryId, null);
        }
    }
}
