using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Lfs;
using Portal.Core.PushMirrors;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Mirroring;

/// <summary>
/// The second half of a push to a write-through mirror, once Portal's own checks accepted it into a
/// <see cref="StagedPush"/>: the Git LFS objects the new commits use go to the upstream's LFS endpoint, then exactly the
/// pushed ref updates go to the upstream with the mirror's credentials, each a compare-and-swap on the value the client
/// saw (<c>--force-with-lease</c>: creations, fast-forwards, forced updates and deletions as the client asked, and
/// never over a change the mirror has not seen yet); atomically if the client asked. Only then does the mirror change,
/// through the same atomic fetch a sync runs (<see cref="MirrorFetcher"/>), so it holds exactly what the upstream
/// accepted. The activity feed records who pushed what and the upstream's answer; push mirrors are asked to run.
/// </summary>
public sealed class WriteThroughForwarder(
    PortalDbContext db,
    GitRunner git,
    UpstreamConnector connector,
    UpstreamCredentialStore credentialStore,
    MirrorFetcher fetcher,
    LfsForwarder lfs,
    PushMirrorTrigger pushMirrors,
    CommitGraphTrigger commitGraph,
    JobEngine jobs,
    TimeProvider clock,
    IOptions<GitOptions> gitOptions,
    ILogger<WriteThroughForwarder> logger)
{
    public async Task<WriteThroughResult> ForwardAsync(WriteThroughPush push, CancellationToken cancellationToken)
    {
        var repository = await db.Repositories.Include(r => r.Upstream).Include(r => r.Credential).FirstAsync(r => r.Id == push.RepositoryId, cancellationToken);
        var upstream = repository.Upstream!;
        var messages = new List<string>();
        Dictionary<string, string> refused;
        IReadOnlyList<RefChange> changes = [];
        try
        {
            refused = await PushUpstreamAsync(repository, push, messages, cancellationToken);
            if (refused.Count < push.Commands.Count)
            {
                if (refused.Count == 0)
                {
                    push.Staged.CopyObjectsToMirror();
                }

                changes = await FetchBackAsync(repository, messages, cancellationToken);
            }
        }
        catch (Exception exception) when (!RemoteFailure.IsShutdown(exception, cancellationToken))
        {
            logger.LogError(exception, "Write-through push to repository {RepositoryId} failed", repository.Id);
            var reason = RemoteFailure.Describe(exception, credentialStore.ReadSecretsSafely(repository.Credential), "the mirror's stored credentials");
            messages.Add(reason);
            refused = push.Commands.ToDictionary(c => c.RefName, _ => "Portal could not forward it to the upstream", StringComparer.Ordinal);
        }

        await RecordAsync(repository, push, refused, changes, messages);
        if (changes.Count > 0)
        {
            await pushMirrors.RepositoryChangedAsync(repository.Id, CancellationToken.None);
            await commitGraph.RefsChangedAsync(repository.Id, JobTrigger.Push, CancellationToken.None);
        }

        // Only maintainers learn where the upstream lives: for everyone else its addresses become placeholders.
        return new WriteThroughResult(
            refused.ToDictionary(r => r.Key, r => SyncErrorRedactor.ForRole(r.Value, push.Role, upstream.Url)!, StringComparer.Ordinal),
            [.. messages.SelectMany(m => m.Split('\n')).Select(m => SyncErrorRedactor.ForRole(m, push.Role, upstream.Url)!)]);
    }

    /// <summary>LFS objects, then the ref updates; returns the refs the upstream refused (none refused: all went through).</summary>
    private async Task<Dictionary<string, string>> PushUpstreamAsync(Repository repository, WriteThroughPush push, List<string> messages, CancellationToken cancellationToken)
    {
        var upstream = repository.Upstream!;
        var url = UpstreamUrl.Parse(upstream.Url).Value!.Url;
        var credentials = credentialStore.Read(repository.Credential);
        var opened = await connector.OpenAsync(url, credentials, upstream.PinnedHostKey, cancellationToken);
        if (!opened.Succeeded)
        {
            return RefuseAll(push, messages, opened.Error!.Message);
        }

        await using var session = opened.Value!;
        if (upstream.FetchLfs && await ForwardLfsAsync(repository, push, url, credentials, cancellationToken) is { } lfsFailure)
        {
            return RefuseAll(push, messages, lfsFailure);
        }

        var command = GitCommand.Create("push").Option("--porcelain").Option("--no-progress");
        if (push.Atomic)
        {
            command.Option("--atomic");
        }

        foreach (var update in push.Commands)
        {
            // The client's old value is the lease: zeros mean the ref must not exist upstream yet.
            command.Option($"--force-with-lease={update.RefName}:{(PushCommand.IsZero(update.OldSha) ? "" : update.OldSha)}");
        }

        command.EndOfOptions().Value(session.RemoteUrl);
        foreach (var update in push.Commands)
        {
            command.Value(PushCommand.IsZero(update.NewSha) ? $":{update.RefName}" : $"{update.NewSha}:{update.RefName}");
        }

        var result = await git.RunAsync(session.Apply(command), push.Staged.Path, gitOptions.Value.TransferTimeout, cancellationToken);
        var said = result.StandardError.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("remote:", StringComparison.Ordinal)).Take(50)
            .Select(l => "upstream:" + l["remote:".Length..]).ToList();
        messages.AddRange(said);
        var answered = PushPorcelain.Parse(result.StandardOutput);
        if (answered.Count == 0 && !result.Succeeded)
        {
            return RefuseAll(push, messages, $"The upstream did not take the push: {ExplainPushFailure(result.ErrorMessage)}");
        }

        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var update in push.Commands)
        {
            var answer = answered.GetValueOrDefault(update.RefName);
            if (answer is { Accepted: true })
            {
                continue;
            }

            var summary = answer?.Summary ?? "no answer from the upstream";
            refused[update.RefName] = summary.Contains("stale info", StringComparison.Ordinal)
                ? "the upstream has changed since Portal last synced: fetch, then push again"
                : $"the upstream refused it: {summary}";
        }

        if (refused.Values.Any(r => r.StartsWith("the upstream has changed", StringComparison.Ordinal)))
        {
            // Portal is behind its upstream: a sync now lets the next attempt succeed.
            await jobs.RequestAsync(MirrorSyncJob.Kind, repository.Id, JobTrigger.Push, push.UserId, new JobRequestRules(Coalesce: true), cancellationToken);
            messages.Add("Portal is syncing this mirror with its upstream now.");
        }

        messages.Add(refused.Count == 0
            ? "Portal forwarded this push to the mirror's upstream, which accepted it."
            : refused.Count == push.Commands.Count
                ? "The mirror's upstream refused this push; nothing changed here."
                : "The mirror's upstream accepted part of this push; only those refs changed here.");
        return refused;
    }

    private async Task<string?> ForwardLfsAsync(Repository repository, WriteThroughPush push, UpstreamUrl url, UpstreamCredentials credentials, CancellationToken cancellationToken)
    {
        var endpoint = LfsEndpoint.For(url, repository.Upstream!.LfsUrl);
        if (!endpoint.Succeeded)
        {
            return $"Portal could not forward the push's Git LFS objects, so nothing was pushed: {endpoint.Error!.Message}";
        }

        var tips = push.Commands.Where(c => !PushCommand.IsZero(c.NewSha)).Select(c => c.NewSha).ToList();
        var report = await lfs.ForwardAsync(repository.Id, push.Staged.Path, tips, [.. push.Staged.Before.Refs.Values], LfsSource.ForRemote(endpoint.Value!, url, credentials), cancellationToken);
        return report is { Complete: false }
            ? $"Portal could not forward the push's Git LFS objects to the upstream, so nothing was pushed:\n{report.Describe()}"
            : null;
    }

    /// <summary>The mirror takes what the upstream now has, by the sync's own atomic fetch; a failure leaves it to the next sync.</summary>
    private async Task<IReadOnlyList<RefChange>> FetchBackAsync(Repository repository, List<string> messages, CancellationToken cancellationToken)
    {
        string reason;
        try
        {
            var fetched = await fetcher.FetchAsync(repository, cancellationToken);
            if (fetched.Succeeded)
            {
                return fetched.Value!.Changes ?? [];
            }

            reason = fetched.Error!.Message;
        }
        catch (Exception exception) when (!RemoteFailure.IsShutdown(exception, cancellationToken))
        {
            // The upstream has the push already: what failed here is Portal's copy, which the next sync repairs.
            logger.LogError(exception, "Fetching back a write-through push into repository {RepositoryId} failed", repository.Id);
            reason = RemoteFailure.Describe(exception, credentialStore.ReadSecretsSafely(repository.Credential), "the mirror's stored credentials");
        }

        messages.Add($"The upstream has the push, but Portal could not fetch it back yet; its next sync (queued now) will: {reason}");
        await jobs.RequestAsync(MirrorSyncJob.Kind, repository.Id, JobTrigger.Push, null, new JobRequestRules(Coalesce: true), cancellationToken);
        return [];
    }

    private async Task RecordAsync(Repository repository, WriteThroughPush push, Dictionary<string, string> refused, IReadOnlyList<RefChange> changes, List<string> messages)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var answer = string.Join('\n', push.Commands.Select(c => $"{c.RefName}: {(refused.TryGetValue(c.RefName, out var reason) ? reason : "accepted by the upstream")}")
            .Concat(messages));
        db.RepositoryEvents.Add(new RepositoryEvent
        {
            RepositoryId = repository.Id,
            Kind = RepositoryEventKind.Push,
            ActorUserId = push.UserId,
            StartedAt = push.StartedAt,
            FinishedAt = now,
            Outcome = refused.Count == push.Commands.Count ? EventOutcome.Failed : EventOutcome.Succeeded,
            Error = answer.Length > 8000 ? answer[..8000] + "…" : answer,
            RefChanges = [.. changes],
        });
        repository.UpdatedAt = now;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private static Dictionary<string, string> RefuseAll(WriteThroughPush push, List<string> messages, string reason)
    {
        messages.Add(reason);
        return push.Commands.ToDictionary(c => c.RefName, _ => "not forwarded to the upstream", StringComparer.Ordinal);
    }

    /// <summary>git's (scrubbed) error, with a hint where the cause is known: a push needs credentials that may write.</summary>
    private static string ExplainPushFailure(string error) =>
        error.Contains("Authentication failed", StringComparison.OrdinalIgnoreCase) || error.Contains("error: 401", StringComparison.Ordinal) || error.Contains("error: 403", StringComparison.Ordinal)
            ? $"it refused Portal's credentials: the mirror's token (or deploy key) must be allowed to push.\n{error}"
            : GitErrorHints.Explain(error);
}

/// <summary>A push Portal's checks accepted into <paramref name="Staged"/>, to forward: the ref updates as the client sent them.</summary>
public sealed record WriteThroughPush(long RepositoryId, StagedPush Staged, IReadOnlyList<PushCommand> Commands, bool Atomic, string? UserId, RepositoryRole Role, DateTime StartedAt);

/// <summary>What the upstream made of it: the refused refs with the reason for the client, and messages to show it.</summary>
public sealed record WriteThroughResult(IReadOnlyDictionary<string, string> Refused, IReadOnlyList<string> Messages);
