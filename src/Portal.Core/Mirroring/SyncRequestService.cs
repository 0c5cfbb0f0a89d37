using Microsoft.Extensions.Options;
using Portal.Core.Jobs;
using Portal.Core.Repositories;

namespace Portal.Core.Mirroring;

/// <summary>
/// "Sync now", from the button or the API: a request to the job engine, queued at once ahead of scheduled work,
/// refused while the mirror is already queued or running (409), and within <see cref="SyncOptions.MinManualInterval"/>
/// of the last manual sync (429). Who may sync is decided here, when the request is made (403 below developer access):
/// a page rendered before the actor lost their role gives no right of its own. This service writes no state itself.
/// </summary>
public sealed class SyncRequestService(RepositoryAccess access, JobEngine jobs, TimeProvider clock, IOptions<SyncOptions> options)
{
    private const string AlreadyQueued = "A sync of this repository is already queued or running; wait for it to finish.";

    public async Task<SyncRequestResult> RequestAsync(Repository repository, JobTrigger trigger, string actorUserId, CancellationToken cancellationToken = default)
    {
        if (await access.RoleAsync(repository.Id, actorUserId, cancellationToken) < RepositoryRole.Write)
        {
            return SyncRequestResult.Refused(PortalError.Forbidden(
                "Syncing this repository needs developer access or more, which you do not have (your access may have changed since the page was opened): ask a maintainer."));
        }

        var job = await jobs.FindAsync(MirrorSyncJob.Kind, repository.Id, cancellationToken);
        var importPending = repository.Mode == RepositoryMode.Migrated && job?.LastSuccessAt is null;
        if (job is null || (repository.Mode != RepositoryMode.Mirror && !importPending))
        {
            return SyncRequestResult.Refused(PortalError.Invalid("Only mirrors sync: this repository is hosted here, so push to it instead."));
        }

        var result = await jobs.RequestAsync(MirrorSyncJob.Kind, repository.Id, trigger, actorUserId, new JobRequestRules(MinManualInterval: options.Value.MinManualInterval), cancellationToken);
        return result.Outcome switch
        {
            JobRequestOutcome.Queued or JobRequestOutcome.Coalesced => SyncRequestResult.Accepted,
            JobRequestOutcome.TooSoon => new SyncRequestResult(
                new PortalError(PortalErrorKind.TooManyRequests, TooSoonMessage(result.Job!, result.RetryAfter!.Value)),
                result.RetryAfter),
            _ => SyncRequestResult.Refused(PortalError.Conflict(AlreadyQueued)),
        };
    }

    /// <summary>The mirror's sync job as stored now (for pages that show it).</summary>
    public Task<Job?> GetStateAsync(long repositoryId, CancellationToken cancellationToken = default) =>
        jobs.FindAsync(MirrorSyncJob.Kind, repositoryId, cancellationToken);

    /// <summary>How long until a manual sync is accepted again; null if it is now.</summary>
    public TimeSpan? ManualSyncWait(Job job) => ManualSyncWait(job, clock.GetUtcNow().UtcDateTime, options.Value.MinManualInterval);

    /// <summary>The same rule at a given time, for a page that counts the wait down without asking the database again.</summary>
    public static TimeSpan? ManualSyncWait(Job job, DateTime now, TimeSpan minManualInterval) =>
        job.LastManualRequestAt is { } last && now - last < minManualInterval ? minManualInterval - (now - last) : null;

    private string TooSoonMessage(Job job, TimeSpan retryAfter)
    {
        var ago = clock.GetUtcNow().UtcDateTime - job.LastManualRequestAt!.Value;
        return $"This repository was synced manually {FormatAgo(ago)}; manual syncs are limited to one every {options.Value.MinManualIntervalText}. Try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.";
    }

    private static string FormatAgo(TimeSpan ago) => ago.TotalSeconds < 90 ? $"{ago.TotalSeconds:0} s ago" : $"{ago.TotalMinutes:0} min ago";
}

public sealed record SyncRequestResult(PortalError? Error, TimeSpan? RetryAfter)
{
    public static SyncRequestResult Accepted { get; } = new(null, null);

    public bool Succeeded => Error is null;

    public static SyncRequestResult Refused(PortalError error) => new(error, null);
}
