using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Web.Hosting;

namespace Portal.Web.Api;

public sealed record RepositoryResponse(
    long Id,
    string Owner,
    string Name,
    string FullName,
    string Description,
    RepositoryVisibility Visibility,
    RepositoryMode Mode,
    string? DefaultBranch,
    string CloneUrl,
    string? UpstreamUrl,
    MirrorSettingsResponse? Mirror,
    SyncResponse? Sync,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>
    /// The upstream URL (never with credentials) and full sync errors are shown to those who administer the repository
    /// only; others get errors without addresses. <paramref name="publicBase"/> comes from <see cref="PublicBaseUrl"/>.
    /// </summary>
    public static RepositoryResponse From(Repository repository, Job? sync, RepositoryRole role, string publicBase)
    {
        var owner = repository.Owner!.Name;
        var admin = role >= RepositoryRole.Admin;
        return new RepositoryResponse(
            repository.Id,
            owner,
            repository.Name,
            $"{owner}/{repository.Name}",
            repository.Description,
            repository.Visibility,
            repository.Mode,
            repository.DefaultBranch,
            PublicBaseUrl.Repository(publicBase, owner, repository.Name, ".git"),
            admin ? repository.Upstream?.Url : null,
            repository.Mode == RepositoryMode.Mirror && repository.Upstream is { } upstream
                ? new MirrorSettingsResponse(upstream.SyncIntervalMinutes / 60, upstream.FetchLfs, upstream.AuthKind.ToString().ToLowerInvariant(), admin ? upstream.LfsUrl : null, admin ? upstream.PinnedHostKey : null, upstream.WriteThrough, upstream.BranchFilter, upstream.OnlyProtectedBranches, upstream.MirrorTags)
                : null,
            sync is not null ? SyncResponse.From(sync, role, repository.Upstream?.Url) : null,
            repository.CreatedAt,
            repository.UpdatedAt);
    }
}

/// <summary>
/// A mirror's settings. For maintainers only: <see cref="LfsUrl"/> (the maintainer-set LFS endpoint, null when derived)
/// and <see cref="HostKeys"/> (the pinned known_hosts lines, naming the upstream host).
/// </summary>
public sealed record MirrorSettingsResponse(int IntervalHours, bool Lfs, string Auth, string? LfsUrl, string? HostKeys, bool WriteThrough, string? BranchFilter, bool OnlyProtectedBranches, bool MirrorTags);

/// <summary>A mirror's sync job, as the API has always shown it: status, times, the (redacted) last error and failure count.</summary>
public sealed record SyncResponse(JobStatus Status, DateTime? LastAttemptAt, DateTime? LastSuccessAt, DateTime? NextSyncAt, string? LastError, int ConsecutiveFailures)
{
    public static SyncResponse From(Job job, RepositoryRole role, string? upstreamUrl) =>
        new(job.Status, job.LastAttemptAt, job.LastSuccessAt, job.DueAt, SyncErrorRedactor.ForRole(job.LastError, role, upstreamUrl), job.ConsecutiveFailures);
}

public sealed record RepositoryEventResponse(long Id, RepositoryEventKind Kind, JobTrigger? Trigger, string? Actor, EventOutcome Outcome, DateTime StartedAt, DateTime? FinishedAt, string? Error, IReadOnlyList<RefChangeResponse> RefChanges)
{
    /// <summary>Errors of sync runs in full for maintainers, without upstream addresses for everyone else.</summary>
    public static RepositoryEventResponse From(RepositoryEvent e, IReadOnlyDictionary<string, string> actors, RepositoryRole role, string? upstreamUrl) =>
        new(e.Id, e.Kind, e.Trigger, e.ActorUserId is not null && actors.TryGetValue(e.ActorUserId, out var actor) ? actor : null, e.Outcome, e.StartedAt, e.FinishedAt, SyncErrorRedactor.ForRole(e.Error, role, upstreamUrl), [.. e.RefChanges.OrderBy(c => c.RefName, StringComparer.Ordinal).Select(c => new RefChangeResponse(c.RefName, c.OldSha, c.NewSha, c.Kind))]);
}

public sealed record RefChangeResponse(string Ref, string? OldSha, string? NewSha, RefChangeKind Kind);

public sealed record ConnectionTestRequest(string? CloneUrl, UpstreamAuthRequest? Auth, string? HostKeys = null);

public sealed record DeployKeyResponse(string Id, string PublicKey);
