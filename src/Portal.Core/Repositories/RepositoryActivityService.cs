using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Repositories;

/// <summary>A repository's activity feed: sync runs and pushes with their ref changes, and who started them.</summary>
public sealed class RepositoryActivityService(PortalDbContext db)
{
    /// <summary>The newest events first, at most <paramref name="limit"/> (1 to 200).</summary>
    public async Task<IReadOnlyList<RepositoryEvent>> ListEventsAsync(long repositoryId, int limit, CancellationToken cancellationToken = default) =>
        await db.RepositoryEvents.AsNoTracking()
            .Include(e => e.RefChanges)
            .Where(e => e.RepositoryId == repositoryId)
            .OrderByDescending(e => e.StartedAt).ThenByDescending(e => e.Id)
            .Take(Math.Clamp(limit, 1, 200))
            .ToListAsync(cancellationToken);

    /// <summary>User names for the actors of events (ids of deleted users are left out).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ActorNamesAsync(IEnumerable<RepositoryEvent> events, CancellationToken cancellationToken = default)
    {
        var ids = events.Select(e => e.ActorUserId).OfType<string>().Distinct().ToList();
        return await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName!, cancellationToken);
    }
}
