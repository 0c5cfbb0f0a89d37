using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Repositories;

namespace Portal.Core.Mirroring;

/// <summary>
/// "Sync now", from the button or the API: queued at once ahead of scheduled work, refused while the mirror is already
/// queued or running (409), and within <see cref="SyncOptions.MinManualInterval"/> of the last manual sync (429).
/// Who may sync is decided here, when the request is made (403 below developer access): a page rendered before the
/// actor lost their role gives no right of its own.
/// </summary>
public sealed class SyncRequestService(PortalDbContext db, RepositoryAccess access, SyncQueue queue, SyncProgressTracker tracker, TimeProvider clock, IOptions<SyncOptions> options)
{
    public async Task<SyncRequestResult> RequestAsync(Repository repository, SyncTrigger trigger, string actorUserId, CancellationToken cancellationToken = default)
    {
        if (await access.RoleAsync(repository.Id, actorUserId, cancellationToken) < RepositoryRole.Write)
        {
            return SyncRequestResult.Refused(PortalError.Forbidden(
                "Syncing this repository needs developer access or more, which you do not have (your access may have changed since the page was opened): ask a maintainer."));
        }

        var state = await db.SyncStates.AsNoTracking().FirstOrDefaultAsync(s => s.RepositoryId == repository.Id, cancellationToken);
        var importPending = repository.Mode == RepositoryMode.Migrated && state?.LastSuccessAt is null;
        if (state is null || (repository.Mode != RepositoryMode.Mirror && !importPending))
        {
            return SyncRequestResult.Refused(PortalError.Invalid("Only mirrors sync: this repository is hosted here, so push to it instead."));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var refusal = Refusal(state, now);
        if (refusal is not null)
        {
            return refusal;
        }

        // The conditional update is the arbiter: of simultaneous requests exactly one changes the row, and the
        // manual-sync limit is checked in the same statement so a sync that finished in between cannot let a second through.
        var earliestPrevious = now - options.Value.MinManualInterval;
        var queued = await db.SyncStates
            .Where(s => s.RepositoryId == repository.Id && s.Status != SyncStatus.Queued && s.Status != SyncStatus.Running
                        && (s.LastManualSyncAt == null || s.LastManualSyncAt <= earliestPrevious))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, SyncStatus.Queued)
                .SetProperty(x => x.LastManualSyncAt, now)
                .SetProperty(x => x.QueuedTrigger, trigger)
                .SetProperty(x => x.QueuedBy, actorUserId), cancellationToken);
        if (queued == 0)
        {
            var current = await db.SyncStates.AsNoTracking().FirstAsync(s => s.RepositoryId == repository.Id, cancellationToken);
            return Refusal(current, now) ?? SyncRequestResult.Refused(PortalError.Conflict(AlreadyQueued));
        }

        queue.Enqueue(repository.Id, urgent: true);
        tracker.NotifyStateChanged(repository.Id);
        return SyncRequestResult.Accepted;
    }

    /// <summary>The sync state as stored now (for pages that show it).</summary>
    public Task<SyncState?> GetStateAsync(long repositoryId, CancellationToken cancellationToken = default) =>
        db.SyncStates.AsNoTracking().FirstOrDefaultAsync(s => s.RepositoryId == repositoryId, cancellationToken);

    /// <summary>How long until a manual sync is accepted again; null if it is now.</summary>
    public TimeSpan? ManualSyncWait(SyncState state)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return state.LastManualSyncAt is { } last && now - last < options.Value.MinManualInterval ? options.Value.MinManualInterval - (now - last) : null;
    }

    private const string AlreadyQueued = "A sync of this repository is already queued or running; wait for it to finish.";

    private SyncRequestResult? Refusal(SyncState state, DateTime now)
    {
        if (state.Status is SyncStatus.Queued or SyncStatus.Running)
        {
            return SyncRequestResult.Refused(PortalError.Conflict(AlreadyQueued));
        }

        if (state.LastManualSyncAt is { } last && now - last < options.Value.MinManualInterval)
        {
            var retryAfter = options.Value.MinManualInterval - (now - last);
            return new SyncRequestResult(
                new PortalError(PortalErrorKind.TooManyRequests, $"This repository was synced manually {FormatAgo(now - last)}; manual syncs are limited to one every {options.Value.MinManualInterval.TotalMinutes:0} minutes. Try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s."),
                retryAfter);
        }

        return null;
    }

    private static string FormatAgo(TimeSpan ago) => ago.TotalSeconds < 90 ? $"{ago.TotalSeconds:0} s ago" : $"{ago.TotalMinutes:0} min ago";
}

public sealed record SyncRequestResult(PortalError? Error, TimeSpan? RetryAfter)
{
    public static SyncRequestResult Accepted { get; } = new(null, null);

    public bool Succeeded => Error is null;

    public static SyncRequestResult Refused(PortalError error) => new(error, null);
}
