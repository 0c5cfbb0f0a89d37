using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.PushMirrors;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Core.Webhooks;

namespace Portal.Core.Mirroring;

/// <summary>
/// The first kind of job: one sync of one mirror (or the one import of a migration). It records the run in the
/// activity feed with its ref changes and returns how it ended; the job engine alone records the job's state (status,
/// failures, backoff, next run). The git part is <see cref="MirrorFetcher"/>'s. A sync that changed refs asks the
/// repository's push mirrors to run (debounced) and its commit-graph to be written (<see cref="CommitGraphJob"/>).
/// </summary>
public sealed class MirrorSyncJob(
    PortalDbContext db,
    MirrorFetcher fetcher,
    UpstreamCredentialStore credentialStore,
    TimeProvider clock,
    IOptions<SyncOptions> syncOptions,
    SyncProgressTracker progressTracker,
    PushMirrorTrigger pushMirrors,
    CommitGraphTrigger commitGraph,
    JobEngine jobs,
    WebhookEventPublisher events,
    ILogger<MirrorSyncJob> logger) : IJobHandler
{
    public const string Kind = "mirror-sync";

    /// <summary>The activity entry of the run this handler finished (one handler per run: it lives in the run's scope).</summary>
    private RepositoryEvent? finished;

    /// <summary>
    /// The run's ref changes, written by <see cref="RecordAsync"/> beside the entry rather than tracked on it: an import
    /// creates one per ref, thousands for some repositories.
    /// </summary>
    private IReadOnlyList<RefChange> changes = [];

    public async Task<JobResult> RunAsync(JobRun job, CancellationToken cancellationToken)
    {
        var repository = await db.Repositories
            .Include(r => r.Upstream)
            .Include(r => r.Credential)
            .FirstOrDefaultAsync(r => r.Id == job.TargetId, cancellationToken);
        if (repository?.Upstream is null)
        {
            return JobResult.Failure("This repository no longer has an upstream to sync from.");
        }

        var run = new RepositoryEvent
        {
            RepositoryId = repository.Id,
            Kind = RepositoryEventKind.Sync,
            Trigger = job.Trigger,
            ActorUserId = job.RequestedBy,
            StartedAt = clock.GetUtcNow().UtcDateTime,
            Outcome = EventOutcome.Running,
        };
        // Shown as running only once there is something to transfer: a mirror found current (the commonest run by far)
        // is written once, when it ends, with the job's state.
        db.RepositoryEvents.Add(run);

        Outcome<MirrorFetchResult> outcome;
        try
        {
            progressTracker.Report(repository.Id, new SyncProgress("Connecting", null));
            outcome = await fetcher.FetchAsync(repository, cancellationToken, () => db.SaveChangesAsync(cancellationToken));
        }
        catch (Exception exception) when (!RemoteFailure.IsShutdown(exception, cancellationToken))
        {
            // Every failure ends the run as failed and counts toward backoff and hard-fail: nothing an upstream sends
            // (a hostile HEAD, a malformed answer) may leave a mirror Running or retried forever.
            logger.LogError(exception, "Sync of repository {RepositoryId} failed", repository.Id);
            outcome = PortalError.Invalid(DescribeFailure(exception, repository.Credential));
        }
        finally
        {
            progressTracker.Clear(repository.Id);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        run.FinishedAt = now;
        if (outcome.Succeeded)
        {
            run.Outcome = outcome.Value!.Changes is null ? EventOutcome.UpToDate : EventOutcome.Succeeded;
            changes = outcome.Value.Changes ?? [];
            run.Error = outcome.Value.Warning;
            if (repository.Mode == RepositoryMode.Migrated && repository.Credential is not null)
            {
                // A migration is done: Portal is the remote now, and the upstream secrets have no further use.
                db.UpstreamCredentials.Remove(repository.Credential);
            }
        }
        else
        {
            run.Outcome = EventOutcome.Failed;
            run.Error = outcome.Error!.Message;
        }

        // Saved by the engine in one transaction with the job's new state (the activity entry, the credentials a
        // migration no longer needs, a new default branch); announced in CompletedAsync once committed.
        repository.UpdatedAt = now;
        finished = run;
        logger.LogInformation("Sync of repository {RepositoryId}: {Outcome} ({Changes} ref changes)", repository.Id, run.Outcome, changes.Count);
        // The repository is loaded already: the engine need not read it again for the next run's time.
        return (outcome.Succeeded ? JobResult.Success : JobResult.Failure(outcome.Error!.Message)) with { Schedule = ScheduleOf(repository) };
    }

    /// <summary>The run's ref changes, in the transaction that saved its entry (whose id they need).</summary>
    public Task RecordAsync(JobRun job, CancellationToken cancellationToken) =>
        finished is { } run ? RefChangeRows.InsertAsync(db, run.Id, changes, cancellationToken) : Task.CompletedTask;

    /// <summary>The run is recorded: push mirrors follow the changes, the commit-graph is written for them, and webhooks hear how it ended.</summary>
    public async Task CompletedAsync(JobRun job, JobResult result, CancellationToken cancellationToken)
    {
        if (finished is not { } run)
        {
            return;
        }

        if (changes.Count > 0)
        {
            await pushMirrors.RepositoryChangedAsync(run.RepositoryId, cancellationToken);
            // After the import's rename and its recorded success: the mirror is browsable without waiting for this.
            await commitGraph.RefsChangedAsync(run.RepositoryId, job.Trigger, cancellationToken);
        }

        // This failure is the one that makes the engine give up when the retry policy's limit is reached with it.
        var ended = result.Succeeded ? WebhookEvents.SyncSucceeded
            : syncOptions.Value.RetryPolicy.HardFailsAt(job.PreviousFailures + 1) ? WebhookEvents.SyncHardFailed
            : WebhookEvents.SyncFailed;
        await events.SyncEndedAsync(ended, run.RepositoryId, job.RequestedBy, changes, result.Succeeded ? null : run.Error, cancellationToken);
    }

    /// <summary>A mirror recurs at its interval; a migration runs once (its retries still back off up to the interval).</summary>
    public async Task<JobSchedule> ScheduleAsync(long targetId, CancellationToken cancellationToken)
    {
        var repository = await db.Repositories.AsNoTracking().Include(r => r.Upstream).FirstOrDefaultAsync(r => r.Id == targetId, cancellationToken);
        return ScheduleOf(repository);
    }

    private JobSchedule ScheduleOf(Repository? repository)
    {
        var interval = Interval(repository?.Upstream, syncOptions.Value);
        return new JobSchedule(repository?.Mode == RepositoryMode.Mirror ? interval : null, interval);
    }

    /// <summary>
    /// The activity feed never shows a sync running forever: its entry ends with the reason. A run that the engine
    /// counted as failed (its process died, it crashed) is announced like any failed sync; one put back in the queue
    /// because Portal stopped is not.
    /// </summary>
    public async Task AbandonedAsync(long targetId, string reason, CancellationToken cancellationToken)
    {
        progressTracker.Clear(targetId);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.RepositoryEvents
            .Where(e => e.RepositoryId == targetId && e.Kind == RepositoryEventKind.Sync && e.Outcome == EventOutcome.Running)
            .ExecuteUpdateAsync(e => e.SetProperty(x => x.Outcome, EventOutcome.Failed).SetProperty(x => x.FinishedAt, now).SetProperty(x => x.Error, reason), cancellationToken);
        var job = await jobs.FindAsync(Kind, targetId, cancellationToken);
        if (job?.Status is JobStatus.Failed or JobStatus.HardFailed)
        {
            var ended = job.Status == JobStatus.HardFailed ? WebhookEvents.SyncHardFailed : WebhookEvents.SyncFailed;
            await events.SyncEndedAsync(ended, targetId, null, [], reason, CancellationToken.None);
        }
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

    private string DescribeFailure(Exception exception, UpstreamCredential? credential) =>
        RemoteFailure.Describe(exception, credentialStore.ReadSecretsSafely(credential), "this repository's stored credentials");
}
