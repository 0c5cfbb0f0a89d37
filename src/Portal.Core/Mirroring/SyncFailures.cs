using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;

namespace Portal.Core.Mirroring;

/// <summary>
/// What a failed sync does to a mirror's state, in one place: the error is kept, the failure counts, the next attempt
/// backs off (5 min, 10, 20, … capped at the interval), and after <see cref="SyncOptions.MaxConsecutiveFailures"/> the
/// mirror hard-fails and waits for a person.
/// </summary>
public static class SyncStateTransitions
{
    public static void Fail(SyncState state, string error, DateTime now, SyncOptions options, TimeSpan interval, bool interrupted = false)
    {
        state.LastError = error;
        state.ConsecutiveFailures++;
        state.LeaseOwner = null;
        state.LeaseExpiresAt = null;
        state.QueuedTrigger = null;
        state.QueuedBy = null;
        var hardFailed = state.ConsecutiveFailures >= options.MaxConsecutiveFailures;
        state.Status = hardFailed ? SyncStatus.HardFailed : SyncStatus.Failed;
        // A run cut off by a stopped process is retried at once the first time (a restart is the usual cause); a
        // repeat means the mirror itself may be what brings Portal down, so from then on it backs off like any failure.
        state.NextSyncAt = hardFailed ? null
            : interrupted && state.ConsecutiveFailures == 1 ? now
            : now + options.BackoffAfter(state.ConsecutiveFailures, interval);
    }

    /// <summary>The interval a mirror asked for, never below the configured minimum.</summary>
    public static TimeSpan Interval(UpstreamSource? upstream, SyncOptions options)
    {
        if (upstream is null)
        {
            return options.DefaultInterval;
        }

        var interval = TimeSpan.FromMinutes(upstream.SyncIntervalMinutes);
        return interval < options.MinInterval ? options.MinInterval : interval;
    }
}

/// <summary>
/// Ends sync runs that did not end by themselves: a run whose worker threw outside the sync's own error handling, and a
/// run whose lease expired because its process died. Each becomes a failed run that counts toward backoff and hard-fail,
/// so no mirror stays Running forever and a mirror that keeps crashing Portal stops being retried.
/// Every transition is a compare-and-swap on the lease (owner and expiry as observed): a worker that renewed its lease
/// in between keeps its run.
/// </summary>
public sealed class InterruptedSyncRecovery(IServiceScopeFactory scopes, TimeProvider clock, IOptions<SyncOptions> options, ILogger<InterruptedSyncRecovery> logger)
{
    public const string LeaseExpiredMessage = "The sync was interrupted: the Portal process running it stopped before it finished. It counts as a failed attempt.";

    public const string InternalErrorMessage = "The sync stopped on an internal error in Portal (details are in the server log). It counts as a failed attempt.";

    /// <summary>Runs whose lease has expired.</summary>
    public Task<int> RecoverExpiredAsync(CancellationToken cancellationToken) => RecoverAsync(null, cancellationToken);

    /// <summary>
    /// At start-up: expired leases, and every lease this node's earlier processes held (a node runs one Portal process,
    /// so those are certainly gone), but never another node's live lease, nor this process's own.
    /// </summary>
    public Task<int> RecoverAfterRestartAsync(CancellationToken cancellationToken) => RecoverAsync(SyncWorkerPool.NodePrefix, cancellationToken);

    private async Task<int> RecoverAsync(string? ownNodePrefix, CancellationToken cancellationToken)
    {
        var self = SyncWorkerPool.InstanceId;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var stale = await db.SyncStates.AsNoTracking()
            .Where(s => s.Status == SyncStatus.Running
                        && (s.LeaseExpiresAt == null || s.LeaseExpiresAt < now || (ownNodePrefix != null && s.LeaseOwner != null && s.LeaseOwner.StartsWith(ownNodePrefix) && !s.LeaseOwner.StartsWith(self))))
            .Select(s => new { s.RepositoryId, s.LeaseOwner, s.LeaseExpiresAt })
            .ToListAsync(cancellationToken);
        var recovered = 0;
        foreach (var run in stale)
        {
            if (await FailAsync(db, run.RepositoryId, run.LeaseOwner, run.LeaseExpiresAt, LeaseExpiredMessage, interrupted: true, cancellationToken))
            {
                recovered++;
            }
        }

        if (recovered > 0)
        {
            logger.LogWarning("Ended {Count} interrupted syncs as failed", recovered);
        }

        return recovered;
    }

    /// <summary>A worker's sync threw past its own error handling: end the run it holds as failed.</summary>
    public async Task RecordCrashAsync(long repositoryId, string workerId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var lease = await db.SyncStates.AsNoTracking()
            .Where(s => s.RepositoryId == repositoryId && s.Status == SyncStatus.Running && s.LeaseOwner == workerId)
            .Select(s => new { s.LeaseExpiresAt })
            .FirstOrDefaultAsync(cancellationToken);
        if (lease is not null)
        {
            await FailAsync(db, repositoryId, workerId, lease.LeaseExpiresAt, InternalErrorMessage, interrupted: false, cancellationToken);
        }
    }

    private async Task<bool> FailAsync(PortalDbContext db, long repositoryId, string? leaseOwner, DateTime? leaseExpiresAt, string error, bool interrupted, CancellationToken cancellationToken)
    {
        var repository = await db.Repositories.AsNoTracking().Include(r => r.Upstream).Include(r => r.Sync).FirstOrDefaultAsync(r => r.Id == repositoryId, cancellationToken);
        if (repository?.Sync is not { } observed)
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        SyncStateTransitions.Fail(observed, error, now, options.Value, SyncStateTransitions.Interval(repository.Upstream, options.Value), interrupted);
        var changed = await db.SyncStates
            .Where(s => s.RepositoryId == repositoryId && s.Status == SyncStatus.Running && s.LeaseOwner == leaseOwner && s.LeaseExpiresAt == leaseExpiresAt)
            .ExecuteUpdateAsync(
                s => s
                    .SetProperty(x => x.Status, observed.Status)
                    .SetProperty(x => x.LastError, observed.LastError)
                    .SetProperty(x => x.ConsecutiveFailures, observed.ConsecutiveFailures)
                    .SetProperty(x => x.NextSyncAt, observed.NextSyncAt)
                    .SetProperty(x => x.LeaseOwner, (string?)null)
                    .SetProperty(x => x.LeaseExpiresAt, (DateTime?)null)
                    .SetProperty(x => x.QueuedTrigger, (SyncTrigger?)null)
                    .SetProperty(x => x.QueuedBy, (string?)null),
                cancellationToken);
        if (changed == 0)
        {
            return false;
        }

        // The run's activity entry ends too, so the feed never shows a sync running forever.
        await db.RepositoryEvents
            .Where(e => e.RepositoryId == repositoryId && e.Kind == RepositoryEventKind.Sync && e.Outcome == EventOutcome.Running)
            .ExecuteUpdateAsync(e => e.SetProperty(x => x.Outcome, EventOutcome.Failed).SetProperty(x => x.FinishedAt, now).SetProperty(x => x.Error, error), cancellationToken);
        return true;
    }
}
