using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Core.Jobs;
using Portal.Core.Lfs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.PushMirrors;

/// <summary>
/// The "push-mirror" kind of job: one run of one push mirror. It lists the target's refs (pinned, with the mirror's
/// credentials), decides what to change (<see cref="PushMirrorPlan"/>), uploads the LFS objects the new commits need
/// when asked to, and pushes every update as a compare-and-swap on what it saw (<c>--force-with-lease</c>), so a target
/// that changed meanwhile is never overwritten blind. Refs the target refuses, and with keep-divergent-refs refs that
/// diverged, end the run as failed (the engine backs off and hard-fails as for pull mirrors); the rest is pushed anyway.
/// <para>
/// A push mirror back to the repository's own pull upstream (bidirectional) never pushes: every ref of a pull mirror
/// came from that upstream, so a difference means the upstream moved on, and Portal asks for a pull sync instead. Both
/// directions therefore converge, and neither run triggers the other once they agree.
/// </para>
/// </summary>
public sealed class PushMirrorJob(
    PortalDbContext db,
    GitRunner git,
    LocalRepository local,
    UpstreamConnector connector,
    UpstreamProbe probe,
    UpstreamCredentialStore credentialStore,
    LfsForwarder lfs,
    JobEngine jobs,
    DataDirectory dataDir,
    IOptions<SyncOptions> syncOptions,
    IOptions<GitOptions> gitOptions,
    IOptions<PushMirrorOptions> pushOptions,
    ILogger<PushMirrorJob> logger) : IJobHandler
{
    public const string Kind = "push-mirror";

    /// <summary>Refspecs per git push, to keep argv short however many refs change.</summary>
    private const int RefsPerPush = 500;

    /// <summary>Diverged refs kept for the page and the API at most.</summary>
    private const int MaxDivergedShown = 100;

    public async Task<JobResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var mirror = await db.PushMirrors.Include(m => m.Credential).FirstOrDefaultAsync(m => m.Id == run.TargetId, cancellationToken);
        if (mirror is null)
        {
            return JobResult.Failure("This push mirror no longer exists.");
        }

        var repository = await db.Repositories.Include(r => r.Upstream).FirstAsync(r => r.Id == mirror.RepositoryId, cancellationToken);
        PortalError? error;
        try
        {
            error = await PushAsync(mirror, repository, cancellationToken);
        }
        catch (Exception exception) when (!RemoteFailure.IsShutdown(exception, cancellationToken))
        {
            logger.LogError(exception, "Push mirror {MirrorId} of repository {RepositoryId} failed", mirror.Id, repository.Id);
            error = PortalError.Invalid(RemoteFailure.Describe(exception, credentialStore.ReadSecretsSafely(mirror.Credential), "this push mirror's stored credentials"));
        }

        await db.SaveChangesAsync(CancellationToken.None);
        logger.LogInformation("Push mirror {MirrorId} of repository {RepositoryId}: {Outcome}", mirror.Id, repository.Id, error is null ? "succeeded" : "failed");
        return error is null ? JobResult.Success : JobResult.Failure(error.Message);
    }

    public async Task<JobSchedule> ScheduleAsync(long targetId, CancellationToken cancellationToken)
    {
        var minutes = await db.PushMirrors.AsNoTracking().Where(m => m.Id == targetId).Select(m => (int?)m.IntervalMinutes).FirstOrDefaultAsync(cancellationToken);
        var interval = minutes is null ? syncOptions.Value.DefaultInterval : TimeSpan.FromMinutes(Math.Max(minutes.Value, syncOptions.Value.MinInterval.TotalMinutes));
        return new JobSchedule(minutes is null ? null : interval, interval);
    }

    /// <summary>A run records nothing of its own that could be left open.</summary>
    public Task AbandonedAsync(long targetId, string reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The run itself; null when it succeeded, else what the person reads (scrubbed).</summary>
    private async Task<PortalError?> PushAsync(PushMirror mirror, Repository repository, CancellationToken cancellationToken)
    {
        var path = dataDir.RepositoryPath(repository.Id);
        if (!Directory.Exists(path))
        {
            // A mirror still importing has nothing to push yet; its first sync asks again.
            return null;
        }

        var parsed = UpstreamUrl.Parse(mirror.Url);
        if (!parsed.Succeeded)
        {
            return parsed.Error;
        }

        var url = parsed.Value!.Url;
        var rules = await db.ProtectedBranches.AsNoTracking().Where(b => b.RepositoryId == repository.Id).ToListAsync(cancellationToken);
        var filter = BranchFilter.For(mirror.BranchFilter, mirror.OnlyProtectedBranches, mirror.MirrorTags, rules);
        if (!filter.Succeeded)
        {
            return PortalError.Invalid($"The push mirror's branch filter cannot be used: {filter.Error!.Message} Fix it in the settings.");
        }

        var credentials = credentialStore.Read(mirror.Credential);
        var opened = await connector.OpenAsync(url, credentials, mirror.PinnedHostKey, cancellationToken);
        if (!opened.Succeeded)
        {
            return opened.Error;
        }

        await using var session = opened.Value!;
        var listed = await probe.ListRefsAsync(session, url, cancellationToken);
        if (!listed.Succeeded)
        {
            return listed.Error;
        }

        if (session.NewlyScannedHostKeys is not null)
        {
            mirror.PinnedHostKey = session.NewlyScannedHostKeys;
        }

        var ours = Pushable((await local.ReadRefsAsync(path, cancellationToken)).Refs, filter.Value!);
        var theirs = Pushable(listed.Value!.Refs, filter.Value!);
        if (repository.Mode == RepositoryMode.Mirror && repository.Upstream is { } upstream && UpstreamUrl.Parse(upstream.Url) is { Succeeded: true } pulled && pulled.Value!.Url.SameRepositoryAs(url))
        {
            return await FollowUpstreamAsync(mirror, repository, upstream, rules, ours, theirs, cancellationToken);
        }

        var plan = await PushMirrorPlan.DecideAsync(ours, theirs, mirror.KeepDivergentRefs, (ancestor, descendant) => local.IsAncestorAsync(path, ancestor, descendant, cancellationToken));
        mirror.DivergedRefs = plan.Diverged.Count == 0 ? null : string.Join('\n', plan.Diverged.Take(MaxDivergedShown));
        if (plan.Updates.Count > 0)
        {
            if (mirror.Lfs && await UploadLfsAsync(repository, path, url, credentials, plan, theirs, cancellationToken) is { } lfsFailure)
            {
                return lfsFailure;
            }

            if (await PushUpdatesAsync(session, path, plan.Updates, cancellationToken) is { } refused)
            {
                return refused;
            }
        }

        return plan.Diverged.Count == 0
            ? null
            : PortalError.Invalid($"{plan.Diverged.Count} ref(s) diverged on the target and were left as they are (keep divergent refs is on): {string.Join(", ", plan.Diverged.Take(10))}{(plan.Diverged.Count > 10 ? ", …" : "")}. " +
                                  "Bring the target back in line by hand, or turn keep divergent refs off to overwrite them.");
    }

    /// <summary>Branches and tags the mirror pushes; review refs and other namespaces stay out.</summary>
    private static Dictionary<string, string> Pushable(IReadOnlyDictionary<string, string> refs, BranchFilter filter) =>
        refs.Where(r => (r.Key.StartsWith("refs/heads/", StringComparison.Ordinal) || r.Key.StartsWith("refs/tags/", StringComparison.Ordinal)) && filter.Includes(r.Key))
            .ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);

    /// <summary>Bidirectional: nothing is pushed; if the upstream has moved on in refs both sides take, a pull sync is asked for.</summary>
    private async Task<PortalError?> FollowUpstreamAsync(PushMirror mirror, Repository repository, UpstreamSource upstream, IReadOnlyList<ProtectedBranches.ProtectedBranch> rules, Dictionary<string, string> ours, Dictionary<string, string> theirs, CancellationToken cancellationToken)
    {
        mirror.DivergedRefs = null;
        var pulled = BranchFilter.For(upstream.BranchFilter, upstream.OnlyProtectedBranches, upstream.MirrorTags, rules);
        if (!pulled.Succeeded)
        {
            return null;
        }

        var shared = theirs.Keys.Union(ours.Keys).Where(pulled.Value!.Includes);
        if (shared.Any(name => ours.GetValueOrDefault(name) != theirs.GetValueOrDefault(name)))
        {
            logger.LogInformation("Push mirror {MirrorId} targets the upstream of repository {RepositoryId}, which moved on: a pull sync is asked for instead of a push", mirror.Id, repository.Id);
            await jobs.RequestAsync(MirrorSyncJob.Kind, repository.Id, JobTrigger.Push, null, new JobRequestRules(Coalesce: true, Delay: pushOptions.Value.Debounce), cancellationToken);
        }

        return null;
    }

    private async Task<PortalError?> UploadLfsAsync(Repository repository, string path, UpstreamUrl url, UpstreamCredentials credentials, PushMirrorPlan plan, Dictionary<string, string> theirs, CancellationToken cancellationToken)
    {
        var tips = plan.Updates.Select(u => u.NewSha).OfType<string>().ToList();
        var report = await lfs.ForwardAsync(repository.Id, path, tips, [.. theirs.Values], LfsSource.ForRemote(LfsEndpoint.Derive(url), url, credentials), cancellationToken);
        if (report is { Complete: false })
        {
            return PortalError.Invalid($"Git LFS objects could not be uploaded to the target, so no refs were pushed:\n{report.Describe()}");
        }

        if (report is { Missing.Count: > 0 })
        {
            logger.LogWarning("Push mirror of repository {RepositoryId}: {Count} LFS objects the commits use are not stored in Portal and were not uploaded", repository.Id, report.Missing.Count);
        }

        return null;
    }

    private async Task<PortalError?> PushUpdatesAsync(UpstreamSession session, string path, IReadOnlyList<TargetRefUpdate> updates, CancellationToken cancellationToken)
    {
        var refused = new List<string>();
        var remoteSaid = new List<string>();
        foreach (var chunk in updates.Chunk(RefsPerPush))
        {
            var push = GitCommand.Create("push").Option("--porcelain").Option("--no-progress");
            foreach (var update in chunk)
            {
                push.Option(update.Lease);
            }

            push.EndOfOptions().Value(session.RemoteUrl);
            foreach (var update in chunk)
            {
                push.Value(update.Refspec);
            }

            var result = await git.RunAsync(session.Apply(push), path, gitOptions.Value.TransferTimeout, cancellationToken);
            var answered = PushPorcelain.Parse(result.StandardOutput);
            if (answered.Count == 0 && !result.Succeeded)
            {
                return PortalError.Invalid($"Pushing to the target failed. {GitErrorHints.Explain(result.ErrorMessage)}");
            }

            refused.AddRange(chunk.Select(u => answered.GetValueOrDefault(u.RefName))
                .Select((answer, i) => answer is { Accepted: true } ? null : $"{chunk[i].RefName}: {answer?.Summary ?? "no answer from the target"}")
                .OfType<string>());
            remoteSaid.AddRange(result.StandardError.Split('\n').Where(l => l.StartsWith("remote:", StringComparison.Ordinal)).Take(20));
        }

        return refused.Count == 0
            ? null
            : PortalError.Invalid($"The target refused {refused.Count} ref update(s):\n{string.Join('\n', refused.Take(20))}{(remoteSaid.Count > 0 ? "\n" + string.Join('\n', remoteSaid) : "")}");
    }
}
