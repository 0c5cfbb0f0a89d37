using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Core.Jobs;
using Portal.Core.Repositories;
using Portal.Git;

namespace Portal.Core.Mirroring;

/// <summary>
/// The "commit-graph" kind of job, the follow-up of a sync (or write-through fetch) that changed refs: writes the
/// repository's commit-graph with changed-path filters (a new <c>--split</c> layer for the new commits). It runs after
/// the mirror is visible and its sync recorded, so an import is browsable as soon as its objects and refs are in; the
/// pages are correct without the graph (git walks the commits), only slower on long histories until it exists. No
/// lock: git writes the graph beside the refs under its own lock files, and a sync meanwhile is never held up by it.
/// The activity says when a repository's first graph is written (and when a write fails); later layers are routine.
/// </summary>
public sealed class CommitGraphJob(PortalDbContext db, LocalRepository local, DataDirectory dataDir, TimeProvider clock, ILogger<CommitGraphJob> logger) : IJobHandler
{
    public const string Kind = "commit-graph";

    /// <summary>A failed write is retried after 1 minute, then 2, 4; after that the next sync that changes refs asks again.</summary>
    public static JobRetryPolicy RetryPolicy { get; } = new(4, TimeSpan.FromMinutes(1));

    public async Task<JobResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var path = dataDir.RepositoryPath(run.TargetId);
        if (!Directory.Exists(path) || !await db.Repositories.AnyAsync(r => r.Id == run.TargetId, cancellationToken))
        {
            // Deleted since the sync asked: nothing to index.
            return JobResult.Success;
        }

        var first = !HasCommitGraph(path);
        var started = clock.GetUtcNow().UtcDateTime;
        string? error = null;
        try
        {
            await local.WriteCommitGraphAsync(path, cancellationToken);
        }
        catch (GitException exception)
        {
            logger.LogWarning(exception, "Writing the commit-graph of repository {RepositoryId} failed", run.TargetId);
            error = exception.Message;
        }

        if (first || error is not null)
        {
            // Committed by the engine with the job's new state.
            db.RepositoryEvents.Add(new RepositoryEvent
            {
                RepositoryId = run.TargetId,
                Kind = RepositoryEventKind.Maintenance,
                Trigger = run.Trigger,
                StartedAt = started,
                FinishedAt = clock.GetUtcNow().UtcDateTime,
                Outcome = error is null ? EventOutcome.Succeeded : EventOutcome.Failed,
                Error = error is null ? null : $"The commit-graph (which speeds up history pages) was not written; pages stay correct, only slower. {error}",
            });
        }

        return error is null ? JobResult.Success : JobResult.Failure(error);
    }

    public Task<JobSchedule> ScheduleAsync(long targetId, CancellationToken cancellationToken) =>
        Task.FromResult(new JobSchedule(null, TimeSpan.FromMinutes(10)));

    public Task AbandonedAsync(long targetId, string reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether the repository has a commit-graph (a single file or a chain of split layers).</summary>
    public static bool HasCommitGraph(string repositoryPath) =>
        File.Exists(Path.Combine(repositoryPath, "objects", "info", "commit-graph"))
        || File.Exists(Path.Combine(repositoryPath, "objects", "info", "commit-graphs", "commit-graph-chain"));
}

/// <summary>Asks for a commit-graph write after a repository's refs changed; a burst of changes is one write after the running one.</summary>
public sealed class CommitGraphTrigger(PortalDbContext db, JobEngine jobs)
{
    public async Task RefsChangedAsync(long repositoryId, JobTrigger trigger, CancellationToken cancellationToken)
    {
        var rules = new JobRequestRules(Coalesce: true);
        var requested = await jobs.RequestAsync(CommitGraphJob.Kind, repositoryId, trigger, null, rules, cancellationToken);
        if (requested.Outcome != JobRequestOutcome.NoSuchJob)
        {
            return;
        }

        // The repository's first: its job row is created (queued) now, like an import's sync job.
        try
        {
            await jobs.CreateAsync(CommitGraphJob.Kind, repositoryId, trigger, null, cancellationToken);
            jobs.Announce(CommitGraphJob.Kind, repositoryId);
        }
        catch (DbUpdateException)
        {
            // Created by a simultaneous request (a write-through fetch beside a sync): ask that job instead, and forget
            // the row that lost, so nothing later saved in this scope tries to insert it again.
            foreach (var entry in db.ChangeTracker.Entries<Job>().Where(e => e.State == EntityState.Added).ToList())
            {
                entry.State = EntityState.Detached;
            }

            await jobs.RequestAsync(CommitGraphJob.Kind, repositoryId, trigger, null, rules, cancellationToken);
        }
    }
}
