using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Repositories;

namespace Portal.Core.Mirroring;

/// <summary>A mirror whose last sync failed; <see cref="Error"/> as the viewer may read it (redacted below maintainer).</summary>
public sealed record BrokenMirror(Repository Repository, Job Sync, RepositoryRole Role, string? Error)
{
    /// <summary>Portal stopped retrying: a person must act (fix the credentials, the URL, or sync by hand).</summary>
    public bool HardFailed => Sync.Status == JobStatus.HardFailed;
}

/// <summary>
/// Mirrors that fail, visible without a webhook: on the dashboard (the mirrors of the user and of their
/// organizations) and on an organization's page. Those the viewer maintains come first, then those Portal gave up on,
/// then the ones failing longest.
/// </summary>
public sealed class BrokenMirrorService(PortalDbContext db, RepositoryAccess access)
{
    /// <summary>At most this many are listed; the count says how many there are.</summary>
    public const int MaxListed = 50;

    public static bool IsBroken(Job? sync) => sync?.Status is JobStatus.Failed or JobStatus.HardFailed;

    /// <summary>The dashboard's order: broken mirrors first, the rest as given.</summary>
    public static IReadOnlyList<Repository> BrokenFirst(IReadOnlyList<Repository> repositories, IReadOnlyDictionary<long, Job> syncs) =>
        [.. repositories.OrderBy(r => r.Mode == RepositoryMode.Mirror && IsBroken(syncs.GetValueOrDefault(r.Id)) ? 0 : 1)];

    public Task<(IReadOnlyList<BrokenMirror> Listed, int Total)> ForDashboardAsync(string userId, CancellationToken cancellationToken = default) =>
        ListAsync(access.OwnedBy(userId), userId, cancellationToken);

    /// <summary>The organization's broken mirrors the viewer can see.</summary>
    public async Task<(IReadOnlyList<BrokenMirror> Listed, int Total)> ForOwnerAsync(long ownerId, string? userId, CancellationToken cancellationToken = default) =>
        await ListAsync((await access.VisibleToAsync(userId, cancellationToken)).Where(r => r.OwnerId == ownerId), userId, cancellationToken);

    private async Task<(IReadOnlyList<BrokenMirror> Listed, int Total)> ListAsync(IQueryable<Repository> scope, string? userId, CancellationToken cancellationToken)
    {
        var failing = db.Jobs.Where(j => j.Kind == MirrorSyncJob.Kind && (j.Status == JobStatus.Failed || j.Status == JobStatus.HardFailed)).Select(j => j.TargetId);
        var broken = scope.Where(r => r.Mode == RepositoryMode.Mirror && failing.Contains(r.Id));
        var total = await broken.CountAsync(cancellationToken);
        if (total == 0)
        {
            return ([], 0);
        }

        // Bounded: the order below needs roles, so it is applied in memory to at most this many.
        var repositories = await broken.Include(r => r.Owner).Include(r => r.Upstream).AsNoTracking().OrderBy(r => r.Id).Take(20 * MaxListed).ToListAsync(cancellationToken);
        var ids = repositories.Select(r => r.Id).ToList();
        var syncs = await db.Jobs.AsNoTracking().Where(j => j.Kind == MirrorSyncJob.Kind && ids.Contains(j.TargetId)).ToDictionaryAsync(j => j.TargetId, cancellationToken);
        var roles = await access.RolesAsync(repositories, userId, cancellationToken);
        var listed = repositories
            .Where(r => syncs.ContainsKey(r.Id))
            .Select(r => new BrokenMirror(r, syncs[r.Id], roles[r.Id], SyncErrorRedactor.ForRole(syncs[r.Id].LastError, roles[r.Id], r.Upstream?.Url)))
            .OrderByDescending(m => m.Role >= RepositoryRole.Admin)
            .ThenByDescending(m => m.HardFailed)
            .ThenBy(m => m.Sync.LastSuccessAt ?? DateTime.MinValue)
            .ThenBy(m => m.Repository.Owner!.Slug, StringComparer.Ordinal)
            .ThenBy(m => m.Repository.NormalizedName, StringComparer.Ordinal)
            .Take(MaxListed)
            .ToList();
        return (listed, total);
    }
}
