using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Accounts;
using Portal.Core.Data;

namespace Portal.Core.Organizations;

/// <summary>
/// Organizations and their members. Owners and maintainers manage members (as in GitLab); only owners grant or
/// take away the owner role, and an organization always keeps at least one owner.
/// </summary>
public sealed class OrganizationService(PortalDbContext db, OwnerNameReservation names, TimeProvider clock, ILogger<OrganizationService> logger)
{
    public async Task<Outcome<Organization>> CreateAsync(string creatorUserId, string name, string? description, CancellationToken cancellationToken = default)
    {
        var reserved = await names.ReserveAsync(name, OwnerKind.Organization, cancellationToken);
        if (!reserved.Succeeded)
        {
            return reserved.Error!;
        }

        var owner = reserved.Value!;
        var organization = new Organization
        {
            Owner = owner,
            Description = (description ?? "").Trim(),
            CreatedAt = owner.CreatedAt,
            Members = [new OrganizationMember { UserId = creatorUserId, Role = OrganizationRole.Owner, AddedAt = owner.CreatedAt }],
        };
        if (organization.Description.Length > 1000)
        {
            return PortalError.Invalid("Descriptions are at most 1000 characters.");
        }

        db.Organizations.Add(organization);
        if (await names.SaveAsync(owner, cancellationToken) is { } taken)
        {
            return taken;
        }

        logger.LogInformation("Organization {Organization} created by {UserId}", owner.Slug, creatorUserId);
        return organization;
    }

    public Task<Organization?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        var slug = OwnerNamePolicy.Normalize(name);
        return db.Organizations.AsNoTracking().Include(o => o.Owner).FirstOrDefaultAsync(o => o.Owner!.Slug == slug, cancellationToken);
    }

    public async Task<IReadOnlyList<OrganizationMembership>> ListForUserAsync(string userId, CancellationToken cancellationToken = default) =>
        await db.OrganizationMembers.AsNoTracking()
            .Where(m => m.UserId == userId)
            .Join(db.Organizations, m => m.OrganizationId, o => o.Id, (m, o) => new { o.Owner!.Name, o.Owner.Slug, o.Description, m.Role })
            .OrderBy(m => m.Slug)
            .Select(m => new OrganizationMembership(m.Name, m.Description, m.Role))
            .ToListAsync(cancellationToken);

    public async Task<Outcome<IReadOnlyList<MemberView>>> ListMembersAsync(string viewerUserId, string organizationName, CancellationToken cancellationToken = default)
    {
        var organization = await FindAsync(organizationName, cancellationToken);
        if (organization is null || await RoleOfAsync(organization.Id, viewerUserId, cancellationToken) is null && !await IsAdminAsync(viewerUserId, cancellationToken))
        {
            return PortalError.NotFound($"There is no organization '{OwnerNamePolicy.Normalize(organizationName)}' that you belong to.");
        }

        return await db.OrganizationMembers.AsNoTracking()
            .Where(m => m.OrganizationId == organization.Id)
            .OrderBy(m => m.User!.NormalizedUserName)
            .Select(m => new MemberView(m.User!.UserName!, m.Role, m.AddedAt))
            .ToListAsync(cancellationToken);
    }

    public async Task<Outcome<OrganizationMember>> SetMemberAsync(string actorUserId, string organizationName, string userName, OrganizationRole role, CancellationToken cancellationToken = default)
    {
        var actor = await ActorAsync(actorUserId, organizationName, cancellationToken);
        if (!actor.Succeeded)
        {
            return actor.Error!;
        }

        var (organization, actorRole) = actor.Value;

        if (actorRole < OrganizationRole.Maintainer)
        {
            return PortalError.Forbidden($"Only owners and maintainers of '{organization.Owner!.Slug}' can change its members; you are a {actorRole.ToString().ToLowerInvariant()}.");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.NormalizedUserName == userName.Trim().ToUpperInvariant(), cancellationToken);
        if (user is null)
        {
            return PortalError.NotFound($"There is no user '{userName}'.");
        }

        var member = await db.OrganizationMembers.FirstOrDefaultAsync(m => m.OrganizationId == organization.Id && m.UserId == user.Id, cancellationToken);
        var touchesOwnerRole = role == OrganizationRole.Owner || member?.Role == OrganizationRole.Owner;
        if (touchesOwnerRole && actorRole < OrganizationRole.Owner)
        {
            return PortalError.Forbidden("Only an owner can grant or change the owner role.");
        }

        if (member?.Role == OrganizationRole.Owner && role != OrganizationRole.Owner && await IsLastOwnerAsync(organization.Id, cancellationToken))
        {
            return PortalError.Conflict("An organization needs at least one owner: make someone else an owner first.");
        }

        if (member is null)
        {
            member = new OrganizationMember { OrganizationId = organization.Id, UserId = user.Id, Role = role, AddedAt = clock.GetUtcNow().UtcDateTime };
            db.OrganizationMembers.Add(member);
        }
        else
        {
            member.Role = role;
        }

        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("{Actor} set {User} as {Role} of {Organization}", actorUserId, user.UserName, role, organization.Owner!.Slug);
        return member;
    }

    public async Task<Outcome<bool>> RemoveMemberAsync(string actorUserId, string organizationName, string userName, CancellationToken cancellationToken = default)
    {
        var actor = await ActorAsync(actorUserId, organizationName, cancellationToken);
        if (!actor.Succeeded)
        {
            return actor.Error!;
        }

        var (organization, actorRole) = actor.Value;

        var member = await db.OrganizationMembers.Include(m => m.User)
            .FirstOrDefaultAsync(m => m.OrganizationId == organization.Id && m.User!.NormalizedUserName == userName.Trim().ToUpperInvariant(), cancellationToken);
        if (member is null)
        {
            return PortalError.NotFound($"'{userName}' is not a member of '{organization.Owner!.Slug}'.");
        }

        var leavingSelf = member.UserId == actorUserId;
        if (!leavingSelf && actorRole < OrganizationRole.Maintainer)
        {
            return PortalError.Forbidden($"Only owners and maintainers of '{organization.Owner!.Slug}' can remove members.");
        }

        if (member.Role == OrganizationRole.Owner && !leavingSelf && actorRole < OrganizationRole.Owner)
        {
            return PortalError.Forbidden("Only an owner can remove another owner.");
        }

        if (member.Role == OrganizationRole.Owner && await IsLastOwnerAsync(organization.Id, cancellationToken))
        {
            return PortalError.Conflict("An organization needs at least one owner: make someone else an owner first.");
        }

        db.OrganizationMembers.Remove(member);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The organization and the caller's role in it; an organization the caller is not in looks missing.</summary>
    private async Task<Outcome<(Organization Organization, OrganizationRole Role)>> ActorAsync(string actorUserId, string organizationName, CancellationToken cancellationToken)
    {
        var organization = await FindAsync(organizationName, cancellationToken);
        if (organization is null)
        {
            return PortalError.NotFound($"There is no organization '{OwnerNamePolicy.Normalize(organizationName)}'.");
        }

        var role = await EffectiveRoleAsync(organization.Id, actorUserId, cancellationToken);
        return role is null
            ? PortalError.NotFound($"There is no organization '{organization.Owner!.Slug}' that you belong to.")
            : (organization, role.Value);
    }

    public async Task<OrganizationRole?> RoleOfAsync(long organizationId, string userId, CancellationToken cancellationToken = default)
    {
        var member = await db.OrganizationMembers.AsNoTracking().FirstOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == userId, cancellationToken);
        return member?.Role;
    }

    /// <summary>The member's role; an instance admin acts as an owner everywhere.</summary>
    private async Task<OrganizationRole?> EffectiveRoleAsync(long organizationId, string userId, CancellationToken cancellationToken) =>
        await IsAdminAsync(userId, cancellationToken) ? OrganizationRole.Owner : await RoleOfAsync(organizationId, userId, cancellationToken);

    private Task<bool> IsAdminAsync(string userId, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.Id == userId && u.IsAdmin, cancellationToken);

    private async Task<bool> IsLastOwnerAsync(long organizationId, CancellationToken cancellationToken) =>
        await db.OrganizationMembers.CountAsync(m => m.OrganizationId == organizationId && m.Role == OrganizationRole.Owner, cancellationToken) <= 1;
}

public sealed record OrganizationMembership(string Name, string Description, OrganizationRole Role);

public sealed record MemberView(string UserName, OrganizationRole Role, DateTime AddedAt);
