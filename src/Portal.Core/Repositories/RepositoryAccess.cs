using Microsoft.EntityFrameworkCore;
using Portal.Core.Accounts;
using Portal.Core.Data;
using Portal.Core.Organizations;

namespace Portal.Core.Repositories;

/// <summary>What a user may do with a repository.</summary>
public enum RepositoryRole
{
    None = 0,
    Read = 1,
    Write = 2,
    Admin = 3,
}

/// <summary>
/// Public: anyone reads. Internal: any signed-in user reads. Private: nobody but the owner and members. The owning
/// user and an org's owners/maintainers administer; developers write; readers read; an instance admin administers all.
/// </summary>
public sealed class RepositoryAccess(PortalDbContext db)
{
    public async Task<RepositoryRole> RoleAsync(Repository repository, string? userId, CancellationToken cancellationToken = default) =>
        (await RolesAsync([repository], userId, cancellationToken))[repository.Id];

    /// <summary>The caller's role in each of <paramref name="repositories"/>, in two queries however many there are.</summary>
    public async Task<IReadOnlyDictionary<long, RepositoryRole>> RolesAsync(IReadOnlyCollection<Repository> repositories, string? userId, CancellationToken cancellationToken = default)
    {
        var user = userId is null ? null
            : await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsAdmin, u.OwnerId }).FirstOrDefaultAsync(cancellationToken);
        var ownerIds = repositories.Select(r => r.OwnerId).Distinct().ToList();
        var orgRoles = user is null ? new Dictionary<long, OrganizationRole>()
            : await db.OrganizationMembers.AsNoTracking()
                .Where(m => m.UserId == userId)
                .Join(db.Organizations.Where(o => ownerIds.Contains(o.OwnerId)), m => m.OrganizationId, o => o.Id, (m, o) => new { o.OwnerId, m.Role })
                .ToDictionaryAsync(x => x.OwnerId, x => x.Role, cancellationToken);
        return repositories.DistinctBy(r => r.Id).ToDictionary(r => r.Id, r =>
        {
            var baseline = r.Visibility switch
            {
                RepositoryVisibility.Public => RepositoryRole.Read,
                RepositoryVisibility.Internal when userId is not null => RepositoryRole.Read,
                _ => RepositoryRole.None,
            };
            if (user is null)
            {
                return baseline;
            }

            if (user.IsAdmin || user.OwnerId == r.OwnerId)
            {
                return RepositoryRole.Admin;
            }

            var fromOrg = orgRoles.TryGetValue(r.OwnerId, out var orgRole) ? orgRole switch
            {
                OrganizationRole.Owner or OrganizationRole.Maintainer => RepositoryRole.Admin,
                OrganizationRole.Developer => RepositoryRole.Write,
                OrganizationRole.Reader => RepositoryRole.Read,
                _ => RepositoryRole.None,
            } : RepositoryRole.None;
            return fromOrg > baseline ? fromOrg : baseline;
        });
    }

    /// <summary>The role as stored now, for a repository known by id (a service re-checking an action started earlier).</summary>
    public async Task<RepositoryRole> RoleAsync(long repositoryId, string? userId, CancellationToken cancellationToken = default)
    {
        var repository = await db.Repositories.AsNoTracking().FirstOrDefaultAsync(r => r.Id == repositoryId, cancellationToken);
        return repository is null ? RepositoryRole.None : await RoleAsync(repository, userId, cancellationToken);
    }

    /// <summary>
    /// The check every maintainer's change runs at the moment it is made, not when its page was rendered: a page opened
    /// before someone lost their role gives no right of its own. Null when the actor administers the repository.
    /// </summary>
    public async Task<PortalError?> RefuseUnlessAdminAsync(string actorUserId, Repository repository, string action, CancellationToken cancellationToken = default) =>
        RefusalFor(await RoleAsync(repository, actorUserId, cancellationToken), action);

    /// <inheritdoc cref="RefuseUnlessAdminAsync(string, Repository, string, CancellationToken)"/>
    public async Task<PortalError?> RefuseUnlessAdminAsync(string actorUserId, long repositoryId, string action, CancellationToken cancellationToken = default) =>
        RefusalFor(await RoleAsync(repositoryId, actorUserId, cancellationToken), action);

    private static PortalError? RefusalFor(RepositoryRole role, string action) =>
        role < RepositoryRole.Admin ? PortalError.Forbidden($"Only the repository's owner, or its organization's owners and maintainers, can {action}.") : null;

    /// <summary>The repositories a user can see (all public ones, internal ones when signed in, private ones they belong to).</summary>
    public async Task<IQueryable<Repository>> VisibleToAsync(string? userId, CancellationToken cancellationToken = default)
    {
        var repositories = db.Repositories.AsNoTracking();
        if (userId is null)
        {
            return repositories.Where(r => r.Visibility == RepositoryVisibility.Public);
        }

        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsAdmin, u.OwnerId }).FirstAsync(cancellationToken);
        if (user.IsAdmin)
        {
            return repositories;
        }

        var memberOwnerIds = db.OrganizationMembers.Where(m => m.UserId == userId)
            .Join(db.Organizations, m => m.OrganizationId, o => o.Id, (m, o) => o.OwnerId);
        return repositories.Where(r => r.Visibility != RepositoryVisibility.Private || r.OwnerId == user.OwnerId || memberOwnerIds.Contains(r.OwnerId));
    }

    /// <summary>Repositories owned by the user or by organizations the user belongs to: the dashboard's list.</summary>
    public IQueryable<Repository> OwnedBy(string userId)
    {
        var ownerId = db.Users.Where(u => u.Id == userId).Select(u => u.OwnerId);
        var memberOwnerIds = db.OrganizationMembers.Where(m => m.UserId == userId)
            .Join(db.Organizations, m => m.OrganizationId, o => o.Id, (m, o) => o.OwnerId);
        return db.Repositories.AsNoTracking().Where(r => ownerId.Contains(r.OwnerId) || memberOwnerIds.Contains(r.OwnerId));
    }

    /// <summary>
    /// The repository as stored now. Not tracked: a page that reloads after a service changed the repository (in another
    /// scope) must see the change, not the copy its own context tracked earlier. Services that change it load their own.
    /// </summary>
    public async Task<Repository?> FindAsync(string owner, string name, CancellationToken cancellationToken = default)
    {
        var ownerSlug = OwnerNamePolicy.Normalize(owner);
        var normalized = RepositoryNamePolicy.Normalize(name);
        return await db.Repositories.AsNoTracking().Include(r => r.Owner).Include(r => r.Upstream)
            .FirstOrDefaultAsync(r => r.Owner!.Slug == ownerSlug && r.NormalizedName == normalized, cancellationToken);
    }
}
