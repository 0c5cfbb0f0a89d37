using Microsoft.EntityFrameworkCore;
using Portal.Core.Accounts;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;

namespace Portal.Core.Organizations;

/// <summary>
/// What an organization's page shows its members: its repositories (those the viewer can read), its members, and its
/// broken mirrors (the sync job failed or gave up retrying, read from the job engine), with whether the viewer may
/// import into it. Members only, as the member list always was: anyone else is told there is no such organization.
/// </summary>
public sealed class OrganizationOverviewService(OrganizationService organizations, RepositoryAccess access, OwnerService owners, JobEngine jobs, BrokenMirrorService brokenMirrors)
{
    /// <summary>The most repositories the page lists (the dashboard's limit).</summary>
    public const int MaxRepositories = 500;

    public async Task<Outcome<OrganizationOverview>> GetAsync(string viewerUserId, string name, CancellationToken cancellationToken = default)
    {
        var members = await organizations.ListMembersAsync(viewerUserId, name, cancellationToken);
        var organization = members.Succeeded ? await organizations.FindAsync(name, cancellationToken) : null;
        if (organization is null)
        {
            return members.Error ?? PortalError.NotFound($"There is no organization '{OwnerNamePolicy.Normalize(name)}'.");
        }

        var visible = await access.VisibleToAsync(viewerUserId, cancellationToken);
        var repositories = await visible.Where(r => r.OwnerId == organization.OwnerId).Include(r => r.Owner).Include(r => r.Upstream)
            .OrderBy(r => r.NormalizedName).Take(MaxRepositories).ToListAsync(cancellationToken);
        var syncs = await jobs.FindManyAsync(MirrorSyncJob.Kind, [.. repositories.Select(r => r.Id)], cancellationToken);
        var (broken, _) = await brokenMirrors.ForOwnerAsync(organization.OwnerId, viewerUserId, cancellationToken);
        var role = await organizations.RoleOfAsync(organization.Id, viewerUserId, cancellationToken);
        var canImport = (await owners.ListRepositoryTargetsAsync(viewerUserId, cancellationToken)).Any(o => o.Id == organization.OwnerId);
        return new OrganizationOverview(organization, role, canImport, repositories, syncs, members.Value!, broken);
    }
}

/// <summary>An organization as its page shows it; <see cref="ViewerRole"/> is null for an instance admin who is not a member.</summary>
public sealed record OrganizationOverview(
    Organization Organization,
    OrganizationRole? ViewerRole,
    bool CanImport,
    IReadOnlyList<Repository> Repositories,
    IReadOnlyDictionary<long, Job> Syncs,
    IReadOnlyList<MemberView> Members,
    IReadOnlyList<BrokenMirror> BrokenMirrors);
