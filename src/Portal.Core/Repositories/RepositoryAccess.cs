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
    public async Task<RepositoryRole> RoleAsync(Repository repository, string? userId, CancellationToken cancellationToken = default)
    {
        var baseline = repository.Visibility switch
        {
            RepositoryVisibility.Public => RepositoryRole.Read,
            RepositoryVisibility.Internal when userId is not null => RepositoryRole.Read,
            _ => RepositoryRole.None,
        };
        if (userId is null)
        {
            return baseline;
        }

        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsAdmin, u.OwnerId }).FirstOrDefaultAsync(cancellationToken);
        if (user is null)
        {
            return baseline;
        }

        if (user.IsAdmin || user.OwnerId == repository.OwnerId)
        {
            return RepositoryRole.Admin;
        }

        var orgRole = await db.OrganizationMembers.AsNoTracking()
            .Where(m => m.UserId == userId && db.Organizations.Any(o => o.Id == m.OrganizationId && o.OwnerId == repository.OwnerId))
            .Select(m => (OrganizationRole?)m.Role)
            .FirstOrDefaultAsync(cancellationToken);
        var fromOrg = orgRole switch
        {
            OrganizationRole.Owner or OrganizationRole.Maintainer => RepositoryRole.Admin,
            OrganizationRole.Developer => RepositoryRole.Write,
            OrganizationRole.Reader => RepositoryRole.Read,
            _ => RepositoryRole.None,
        };
        return fromOrg > baseline ? fromOrg : baseline;
    }

    /// <summary>The role as stored now, for a repository known by id (a service re-checking an action started earlier).</summary>
    public async Task<RepositoryRole> RoleAsync(long repositoryId, string? userId, CancellationToken cancellationToken = default)
    {
        var repository = await db.Repositories.AsNoTracking().FirstOrDefaultAsync(r => r.Id == repositoryId, cancellationToken);
        return repository is null ? RepositoryRole.None : await RoleAsync(repository, userId, cancellationToken);
    }

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
        return await db.Repositories.AsNoTracking().Include(r => r.Owner).Include(r => r.Upstream).Include(r => r.Sync)
            .FirstOrDefaultAsync(r => r.Owner!.Slug == ownerSlug && r.NormalizedName == normalized, cancellationToken);
    }
}
