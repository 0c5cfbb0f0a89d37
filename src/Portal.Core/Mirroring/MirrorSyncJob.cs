using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Core.Jobs;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Core.Webhooks;
using Portal.Git;

namespace Portal.Core.Mirroring;

/// <summary>
/// The first kind of job: one sync of one mirror (or the one import of a migration). It records the run in the
/// activity feed with its ref changes and returns how it ended; the job engine alone records the job's state (status,
/// failures, backoff, next run). A first import fetches into a temporary folder that is renamed into place only when
/// complete; later syncs fetch with --atomic, so a sync cut off half way leaves the previous refs intact.
/// </summary>
public sealed class MirrorSyncJob(
    PortalDbContext db,
    GitRunner git,
    LocalRepository local,
    UpstreamConnector connector,
    UpstreamProbe probe,
    UpstreamCredentialStore credentialStore,
    DataDirectory dataDir,
    TimeProvider clock,
    IOptions<SyncOptions> syncOptions,
    IOptions<GitOptions> gitOptions,
    SyncProgressTracker progressTracker,
    MirrorLfsFetcher lfs,
    JobEngine jobs,
    WebhookEventPublisher events,
    ILogger<MirrorSyncJob> logger) : IJobHandler
{
    public const string Kind = "mirror-sync";

    /// <summary>Refs a mirror takes: everything the upstream advertises except review refs of hosting services.</summary>
    private static readonly string[] MirrorRefspecs = ["+refs/*:refs/*", "^refs/pull/*", "^refs/merge-requests/*"];

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
        db.RepositoryEvents.Add(run);
        await db.SaveChangesAsync(cancellationToken);

        Outcome<FetchResult> outcome;
        try
        {
            progressTracker.Report(repository.Id, new SyncProgress("Connecting", null));
            outcome = await FetchAsync(repository, cancellationToken);
        }
        catch (Exception exception) when (!IsShutdown(exception, cancellationToken))
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
            var changes = outcome.Value!.Changes;
            run.Outcome = changes is null ? EventOutcome.UpToDate : EventOutcome.Succeeded;
            run.RefChanges = [.. changes ?? []];
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

        repository.UpdatedAt = now;
        await db.SaveChangesAsync(CancellationToken.None);
        logger.LogInformation("Sync of repository {RepositoryId}: {Outcome} ({Changes} ref changes)", repository.Id, run.Outcome, run.RefChanges.Count);
        // This failure is the one that makes the engine give up when the retry policy's limit is reached with it.
        var ended = outcome.Succeeded ? WebhookEvents.SyncSucceeded
            : syncOptions.Value.RetryPolicy.HardFailsAt(job.PreviousFailures + 1) ? WebhookEvents.SyncHardFailed
            : WebhookEvents.SyncFailed;
        await events.SyncEndedAsync(ended, repository.Id, job.RequestedBy, run.RefChanges, outcome.Succeeded ? null : run.Error, CancellationToken.None);
        return outcome.Succeeded ? JobResult.Success : JobResult.Failure(outcome.Error!.Message);
    }

    /// <summary>A mirror recurs at its interval; a migration runs once (its retries still back off up to the interval).</summary>
    public async Task<JobSchedule> ScheduleAsync(long targetId, CancellationToken cancellationToken)
    {
        var repository = await db.Repositories.AsNoTracking().Include(r => r.Upstream).FirstOrDefaultAsync(r => r.Id == targetId, cancellationToken);
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

    /// <summary>The git part of a sync: null changes means the mirror was already up to date.</summary>
    private async Task<Outcome<FetchResult>> FetchAsync(Repository repository, CancellationToken cancellationToken)
    {
        var parsed = UpstreamUrl.Parse(repository.Upstream!.Url);
        if (!parsed.Succeeded)
        {
            return parsed.Error!;
        }

        var url = parsed.Value!.Url;
        var credentials = credentialStore.Read(repository.Credential);
        var opened = await connector.OpenAsync(url, credentials, repository.Upstream.PinnedHostKey, cancellationToken);
        if (!opened.Succeeded)
        {
            return opened.Error!;
        }

        await using var session = opened.Value!;
        var listed = await probe.ListRefsAsync(session, url, cancellationToken);
        if (!listed.Succeeded)
        {
            return listed.Error!;
        }

        var remote = listed.Value!;
        if (session.NewlyScannedHostKeys is not null)
        {
            // First successful contact: from now on this key, and only this key, is accepted.
            repository.Upstream.PinnedHostKey = session.NewlyScannedHostKeys;
        }

        var path = dataDir.RepositoryPath(repository.Id);
        var exists = Directory.Exists(path);
        var before = exists ? await local.ReadRefsAsync(path, cancellationToken) : RefSnapshot.Empty;
        var lfsPending = exists && MirrorLfsFetcher.IsPending(path);
        if (exists && before.SameRefsAs(remote) && (remote.Head is null || remote.Head == before.Head))
        {
            if (!lfsPending)
            {
                return new FetchResult(null, null);
            }

            // Refs are current but an earlier LFS fetch did not complete: finish it without fetching refs again.
            return new FetchResult(null, await lfs.FetchAsync(repository, url, credentials, path, before, before, cancellationToken));
        }

        var target = exists ? path : Path.Combine(dataDir.TempPath, $"import-{repository.Id}-{Guid.NewGuid():N}.git");
        try
        {
            if (!exists)
            {
                await local.InitBareAsync(target, cancellationToken);
            }

            var fetch = session.Apply(GitCommand.Create("fetch")
                .Option("--atomic").Option("--prune").Option("--force").Option("--no-write-fetch-head").Option("--no-auto-gc").Option("--progress")
                .EndOfOptions().Value(session.RemoteUrl));
            foreach (var refspec in MirrorRefspecs)
            {
                fetch.Value(refspec);
            }

            var fetched = await git.RunAsync(fetch, target, gitOptions.Value.TransferTimeout, line => ReportProgress(repository.Id, line), cancellationToken);
            if (!fetched.Succeeded)
            {
                return PortalError.Invalid(GitErrorHints.Explain(fetched.ErrorMessage));
            }

            var head = IsUsableHead(remote.Head, remote) ? remote.Head : ChooseHead(remote);
            if (head is not null && head != before.Head)
            {
                await local.SetHeadAsync(target, head, cancellationToken);
                repository.DefaultBranch = head.StartsWith("refs/heads/", StringComparison.Ordinal) ? head["refs/heads/".Length..] : head;
            }

            var after = await local.ReadRefsAsync(target, cancellationToken);
            var changes = await DiffAsync(target, before, after, cancellationToken);
            string? warning = null;
            if (changes.Count > 0 || lfsPending)
            {
                warning = await lfs.FetchAsync(repository, url, credentials, target, before, after, cancellationToken);
            }
            if (changes.Count > 0 && after.Refs.Count > 0)
            {
                progressTracker.Report(repository.Id, new SyncProgress("Writing commit-graph", null));
                await local.WriteCommitGraphAsync(target, cancellationToken);
            }

            if (!exists)
            {
                // The rename is the commit point of an import: before it, nothing is visible; after it, everything is.
                Directory.Move(target, path);
            }

            return new FetchResult(changes, warning);
        }
        finally
        {
            if (!exists && Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
        }
    }

    private async Task<IReadOnlyList<RefChange>> DiffAsync(string path, RefSnapshot before, RefSnapshot after, CancellationToken cancellationToken)
    {
        var changes = new List<RefChange>();
        foreach (var (name, newSha) in after.Refs.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!before.Refs.TryGetValue(name, out var oldSha))
            {
                changes.Add(new RefChange { RefName = name, NewSha = newSha, Kind = RefChangeKind.Created });
            }
            else if (oldSha != newSha)
            {
                var fastForward = name.StartsWith("refs/heads/", StringComparison.Ordinal) && await local.IsAncestorAsync(path, oldSha, newSha, cancellationToken);
                changes.Add(new RefChange { RefName = name, OldSha = oldSha, NewSha = newSha, Kind = fastForward ? RefChangeKind.Updated : RefChangeKind.Forced });
            }
        }

        changes.AddRange(before.Refs
            .Where(r => !after.Refs.ContainsKey(r.Key))
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => new RefChange { RefName = r.Key, OldSha = r.Value, Kind = RefChangeKind.Deleted }));
        return changes;
    }

    private sealed record FetchResult(IReadOnlyList<RefChange>? Changes, string? Warning);

    /// <summary>
    /// When the upstream does not say where HEAD points, or points it somewhere Portal will not follow: main, then
    /// master, then the first usable branch.
    /// </summary>
    private static string? ChooseHead(RefSnapshot remote) =>
        new[] { "refs/heads/main", "refs/heads/master" }.FirstOrDefault(remote.Refs.ContainsKey)
        ?? remote.Refs.Keys.Where(r => IsUsableHead(r, remote)).Order(StringComparer.Ordinal).FirstOrDefault();

    /// <summary>
    /// HEAD must name a branch the upstream actually has, whose name could not be taken for an option: a hostile
    /// upstream may advertise anything (refs/heads/-x, a missing ref), and the default branch reaches every page.
    /// </summary>
    private static bool IsUsableHead(string? head, RefSnapshot remote) =>
        head is not null
        && head.StartsWith("refs/heads/", StringComparison.Ordinal)
        && !head.AsSpan("refs/heads/".Length).StartsWith("-")
        && remote.Refs.ContainsKey(head);

    private void ReportProgress(long repositoryId, string line)
    {
        if (SyncProgress.Parse(line) is { } progress)
        {
            progressTracker.Report(repositoryId, progress);
        }
    }

    /// <summary>Cancelled because Portal is stopping: the run is not over; the engine puts the job back in the queue.</summary>
    private static bool IsShutdown(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>What a person reads about a failure that git itself did not report: specific where Portal knows the cause.</summary>
    private string DescribeFailure(Exception exception, UpstreamCredential? credential)
    {
        var secrets = credential is null ? [] : SafeSecrets(credential);
        return exception switch
        {
            System.Security.Cryptography.CryptographicException =>
                "Portal cannot decrypt this repository's stored credentials (were the data folder's keys replaced?): enter them again in the settings.",
            GitException or IOException or UnauthorizedAccessException =>
                GitErrorHints.Explain(CredentialScrubber.Scrub(exception.Message, secrets)),
            ArgumentException =>
                "The upstream sent a value Portal refuses to pass to git (for example a ref name or HEAD starting with '-'): " +
                CredentialScrubber.Scrub(exception.Message, secrets),
            _ => JobWorkerPool.InternalErrorMessage,
        };
    }

    private IEnumerable<string> SafeSecrets(UpstreamCredential credential)
    {
        try
        {
            return credentialStore.Read(credential).Secrets;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return [];
        }
    }
}
