using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Organizations;

namespace Portal.Core.Accounts;

/// <summary>Answers who a name belongs to, and who may create repositories under it.</summary>
public sealed class OwnerService(PortalDbContext db)
{
    public Task<Owner?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        var slug = OwnerNamePolicy.Normalize(name);
        return db.Owners.AsNoTracking().FirstOrDefaultAsync(o => o.Slug == slug, cancellationToken);
    }

    /// <summary>The user themself, and every organization where they are owner or maintainer (all of them for an admin).</summary>
    public async Task<IReadOnlyList<Owner>> ListRepositoryTargetsAsync(string userId, CancellationToken cancellationToken = default)
    {
        var user = await db.Users.AsNoTracking().Include(u => u.Owner).FirstAsync(u => u.Id == userId, cancellationToken);
        var organizations = user.IsAdmin
            ? db.Organizations.AsNoTracking().Select(o => o.Owner!)
            : db.OrganizationMembers.AsNoTracking()
                .Where(m => m.UserId == userId && (m.Role == OrganizationRole.Owner || m.Role == OrganizationRole.Maintainer))
                .Join(db.Organizations, m => m.OrganizationId, o => o.Id, (m, o) => o.Owner!);
        var targets = await organizations.OrderBy(o => o.Slug).ToListAsync(cancellationToken);
        targets.Insert(0, user.Owner!);
        return targets;
    }

    public async Task<bool> CanCreateRepositoryAsync(string userId, Owner owner, CancellationToken cancellationToken = default)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return false;
        }

        if (user.IsAdmin || (owner.Kind == OwnerKind.User && user.OwnerId == owner.Id))
        {
            return true;
        }

        if (owner.Kind != OwnerKind.Organization)
        {
            return false;
        }

        var organizationId = await db.Organizations.Where(o => o.OwnerId == owner.Id).Select(o => o.Id).FirstAsync(cancellationToken);
        return await db.OrganizationMembers.AnyAsync(
            m => m.UserId == userId
                 && m.OrganizationId == organizationId
                 && (m.Role == OrganizationRole.Owner || m.Role == OrganizationRole.Maintainer),
            cancellationToken);
    }
}
