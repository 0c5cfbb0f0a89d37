using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Repositories;

namespace Portal.Core.ProtectedBranches;

/// <summary>
/// A repository's protected-branch rules: anyone who reads the repository sees them; only its maintainers change them,
/// checked when the change is made. Pushes get them through <see cref="PolicyForAsync"/>.
/// </summary>
public sealed class ProtectedBranchService(PortalDbContext db, RepositoryAccess access, TimeProvider clock)
{
    /// <summary>Rules per repository at most: every push carries them all to the hook.</summary>
    public const int MaxRules = 100;

    public async Task<IReadOnlyList<ProtectedBranch>> ListAsync(long repositoryId, CancellationToken cancellationToken = default) =>
        await db.ProtectedBranches.AsNoTracking().Where(b => b.RepositoryId == repositoryId).OrderBy(b => b.Pattern).ToListAsync(cancellationToken);

    public async Task<ProtectedBranch?> FindAsync(long repositoryId, string pattern, CancellationToken cancellationToken = default) =>
        await db.ProtectedBranches.AsNoTracking().FirstOrDefaultAsync(b => b.RepositoryId == repositoryId && b.Pattern == pattern.Trim(), cancellationToken);

    /// <summary>Creates the rule for <paramref name="request"/>'s pattern, or replaces it; returns the rule and whether it is new.</summary>
    public async Task<Outcome<(ProtectedBranch Rule, bool Created)>> PutAsync(string actorUserId, Repository repository, ProtectedBranchRequest request, CancellationToken cancellationToken = default)
    {
        if (await access.RefuseUnlessAdminAsync(actorUserId, repository, "protect its branches", cancellationToken) is { } refused)
        {
            return refused;
        }

        var pattern = BranchPattern.Check(request.Pattern);
        if (!pattern.Succeeded)
        {
            return pattern.Error!;
        }

        if (request.PushAccess is { } pushAccess && !Enum.IsDefined(pushAccess))
        {
            return PortalError.Invalid("pushAccess must be \"maintainer\" or \"developer\".");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var rule = await db.ProtectedBranches.FirstOrDefaultAsync(b => b.RepositoryId == repository.Id && b.Pattern == pattern.Value, cancellationToken);
        var created = rule is null;
        if (rule is null)
        {
            if (await db.ProtectedBranches.CountAsync(b => b.RepositoryId == repository.Id, cancellationToken) >= MaxRules)
            {
                return PortalError.Invalid($"A repository has at most {MaxRules} protected-branch rules: widen an existing pattern instead (e.g. release/*).");
            }

            rule = new ProtectedBranch { RepositoryId = repository.Id, Pattern = pattern.Value!, CreatedAt = now };
            db.ProtectedBranches.Add(rule);
        }

        // A PUT states the whole rule: what it leaves out is the strict default.
        rule.AllowForcePush = request.AllowForcePush ?? false;
        rule.AllowDeletion = request.AllowDeletion ?? false;
        rule.PushAccess = request.PushAccess ?? PushAccess.Maintainer;
        rule.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Someone created the same pattern at the same moment: theirs stands; ask again to change it.
            db.ChangeTracker.Clear();
            return PortalError.Conflict($"The rule '{pattern.Value}' was just created by someone else: send the request again to change it.");
        }

        return (rule, created);
    }

    public async Task<Outcome<bool>> DeleteAsync(string actorUserId, Repository repository, string pattern, CancellationToken cancellationToken = default)
    {
        if (await access.RefuseUnlessAdminAsync(actorUserId, repository, "protect its branches", cancellationToken) is { } refused)
        {
            return refused;
        }

        var deleted = await db.ProtectedBranches.Where(b => b.RepositoryId == repository.Id && b.Pattern == pattern.Trim()).ExecuteDeleteAsync(cancellationToken);
        return deleted > 0 ? true : PortalError.NotFound($"There is no protected-branch rule '{pattern.Trim()}' in this repository.");
    }

    /// <summary>What the push hook needs: the rules now, and whether the pusher (of <paramref name="role"/>) is a maintainer.</summary>
    public async Task<PushPolicy> PolicyForAsync(long repositoryId, RepositoryRole role, CancellationToken cancellationToken = default) =>
        new(await ListAsync(repositoryId, cancellationToken), role >= RepositoryRole.Admin);
}

/// <summary>A rule as asked for; what is left out is strict: no force-push, no deletion, maintainers push.</summary>
public sealed record ProtectedBranchRequest(string? Pattern, bool? AllowForcePush = null, bool? AllowDeletion = null, PushAccess? PushAccess = null);
