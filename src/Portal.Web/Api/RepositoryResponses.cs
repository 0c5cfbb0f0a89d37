using Portal.Core.Repositories;

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
    /// <summary>The upstream URL (never with credentials) is shown to those who administer the repository only.</summary>
    public static RepositoryResponse From(Repository repository, RepositoryRole role, HttpRequest request)
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
            $"{request.Scheme}://{request.Host}/{owner}/{repository.Name}.git",
            admin ? repository.Upstream?.Url : null,
            repository.Mode == RepositoryMode.Mirror && repository.Upstream is { } upstream
                ? new MirrorSettingsResponse(upstream.SyncIntervalMinutes / 60, upstream.FetchLfs, upstream.AuthKind.ToString().ToLowerInvariant(), admin ? upstream.LfsUrl : null)
                : null,
            repository.Sync is { } sync ? SyncResponse.From(sync) : null,
            repository.CreatedAt,
            repository.UpdatedAt);
    }
}

/// <summary>A mirror's settings; <see cref="LfsUrl"/> (the maintainer-set LFS endpoint, null when derived) for maintainers only.</summary>
public sealed record MirrorSettingsResponse(int IntervalHours, bool Lfs, string Auth, string? LfsUrl);

public sealed record SyncResponse(SyncStatus Status, DateTime? LastAttemptAt, DateTime? LastSuccessAt, DateTime? NextSyncAt, string? LastError, int ConsecutiveFailures)
{
    public static SyncResponse From(SyncState state) =>
        new(state.Status, state.LastAttemptAt, state.LastSuccessAt, state.NextSyncAt, state.LastError, state.ConsecutiveFailures);
}

public sealed record RepositoryEventResponse(long Id, RepositoryEventKind Kind, SyncTrigger? Trigger, string? Actor, EventOutcome Outcome, DateTime StartedAt, DateTime? FinishedAt, string? Error, IReadOnlyList<RefChangeResponse> RefChanges)
{
    public static RepositoryEventResponse From(RepositoryEvent e, IReadOnlyDictionary<string, string> actors) =>
        new(e.Id, e.Kind, e.Trigger, e.ActorUserId is not null && actors.TryGetValue(e.ActorUserId, out var actor) ? actor : null, e.Outcome, e.StartedAt, e.FinishedAt, e.Error, [.. e.RefChanges.OrderBy(c => c.RefName, StringComparer.Ordinal).Select(c => new RefChangeResponse(c.RefName, c.OldSha, c.NewSha, c.Kind))]);
}

public sealed record RefChangeResponse(string Ref, string? OldSha, string? NewSha, RefChangeKind Kind);

public sealed record ConnectionTestRequest(string? CloneUrl, UpstreamAuthRequest? Auth);

public sealed record DeployKeyResponse(string Id, string PublicKey);
