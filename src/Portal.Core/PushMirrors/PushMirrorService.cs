using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;

namespace Portal.Core.PushMirrors;

/// <summary>
/// A repository's push mirrors: only its maintainers see and change them, checked when each change is made. Every
/// input is checked before anything is written (URL and address policy, credentials, host keys, branch filter,
/// interval, that the target is not this very repository); a refused request creates or changes nothing. A new push
/// mirror runs at once; its job is created with it.
/// </summary>
public sealed class PushMirrorService(
    PortalDbContext db,
    RepositoryAccess access,
    RepositoryInputValidator validator,
    UpstreamConnector connector,
    UpstreamCredentialStore credentialStore,
    DeployKeyService deployKeys,
    JobEngine jobs,
    TimeProvider clock,
    IOptions<PushMirrorOptions> options)
{
    public async Task<Outcome<IReadOnlyList<PushMirrorState>>> ListAsync(string actorUserId, Repository repository, CancellationToken cancellationToken = default)
    {
        if (await RefuseAsync(actorUserId, repository, cancellationToken) is { } refused)
        {
            return refused;
        }

        var mirrors = await db.PushMirrors.AsNoTracking().Include(m => m.Credential).Where(m => m.RepositoryId == repository.Id).OrderBy(m => m.Id).ToListAsync(cancellationToken);
        var states = await jobs.FindManyAsync(PushMirrorJob.Kind, [.. mirrors.Select(m => m.Id)], cancellationToken);
        return mirrors.Select(m => new PushMirrorState(m, states.GetValueOrDefault(m.Id))).ToList();
    }

    public async Task<Outcome<PushMirrorState>> GetAsync(string actorUserId, Repository repository, long id, CancellationToken cancellationToken = default)
    {
        if (await RefuseAsync(actorUserId, repository, cancellationToken) is { } refused)
        {
            return refused;
        }

        var mirror = await db.PushMirrors.AsNoTracking().Include(m => m.Credential).FirstOrDefaultAsync(m => m.Id == id && m.RepositoryId == repository.Id, cancellationToken);
        return mirror is null ? NotFound(id) : new PushMirrorState(mirror, await jobs.FindAsync(PushMirrorJob.Kind, id, cancellationToken));
    }

    /// <param name="actorUserId">Who asks; must administer the repository now.</param>
    /// <param name="repository">The repository to mirror, with its owner.</param>
    /// <param name="request">The push mirror as asked for; left-out options take their defaults.</param>
    /// <param name="selfUrls">Portal's own base URLs (public URL, listening addresses): a target under one of them naming this repository is refused.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<Outcome<PushMirrorState>> CreateAsync(string actorUserId, Repository repository, PushMirrorRequest request, IReadOnlyCollection<string> selfUrls, CancellationToken cancellationToken = default)
    {
        if (await RefuseAsync(actorUserId, repository, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (await db.PushMirrors.CountAsync(m => m.RepositoryId == repository.Id, cancellationToken) >= options.Value.MaxPerRepository)
        {
            return PortalError.Invalid($"A repository has at most {options.Value.MaxPerRepository} push mirrors: remove one first.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var mirror = new PushMirror { RepositoryId = repository.Id, Url = "", CreatedAt = now };
        var applied = await ApplyAsync(actorUserId, repository, mirror, request with { Url = request.Url ?? "" }, selfUrls, cancellationToken);
        if (applied is not null)
        {
            return applied;
        }

        db.PushMirrors.Add(mirror);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            // The first run goes at once: the target is filled without waiting for a change or the interval.
            await jobs.CreateAsync(PushMirrorJob.Kind, mirror.Id, JobTrigger.Api, actorUserId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await ConsumeDeployKeyAsync(request, cancellationToken);
        jobs.Announce(PushMirrorJob.Kind, mirror.Id);
        return new PushMirrorState(mirror, await jobs.FindAsync(PushMirrorJob.Kind, mirror.Id, cancellationToken));
    }

    /// <summary>Changes what the request names (null fields stay as they are; a branch filter of "" removes it), then runs the mirror soon.</summary>
    public async Task<Outcome<PushMirrorState>> UpdateAsync(string actorUserId, Repository repository, long id, PushMirrorRequest request, IReadOnlyCollection<string> selfUrls, CancellationToken cancellationToken = default)
    {
        if (await RefuseAsync(actorUserId, repository, cancellationToken) is { } refused)
        {
            return refused;
        }

        var mirror = await db.PushMirrors.Include(m => m.Credential).FirstOrDefaultAsync(m => m.Id == id && m.RepositoryId == repository.Id, cancellationToken);
        if (mirror is null)
        {
            return NotFound(id);
        }

        if (await ApplyAsync(actorUserId, repository, mirror, request, selfUrls, cancellationToken) is { } invalid)
        {
            // Nothing of a refused edit is kept: the tracked row goes back to what is stored.
            db.ChangeTracker.Clear();
            return invalid;
        }

        await db.SaveChangesAsync(cancellationToken);
        await ConsumeDeployKeyAsync(request, cancellationToken);
        // An edit is a person's answer to a failure: count again from zero, and try soon.
        await jobs.ForgetFailuresAsync(PushMirrorJob.Kind, mirror.Id, cancellationToken);
        await jobs.RequestAsync(PushMirrorJob.Kind, mirror.Id, JobTrigger.Api, actorUserId, new JobRequestRules(Coalesce: true), cancellationToken);
        return new PushMirrorState(mirror, await jobs.FindAsync(PushMirrorJob.Kind, mirror.Id, cancellationToken));
    }

    public async Task<Outcome<bool>> DeleteAsync(string actorUserId, Repository repository, long id, CancellationToken cancellationToken = default)
    {
        if (await RefuseAsync(actorUserId, repository, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!await db.PushMirrors.AnyAsync(m => m.Id == id && m.RepositoryId == repository.Id, cancellationToken))
        {
            return NotFound(id);
        }

        if ((await jobs.FindAsync(PushMirrorJob.Kind, id, cancellationToken))?.Status == JobStatus.Running)
        {
            return PortalError.Conflict("This push mirror is pushing right now; remove it once the run has finished.");
        }

        await db.PushMirrors.Where(m => m.Id == id).ExecuteDeleteAsync(cancellationToken);
        await jobs.RemoveAsync(PushMirrorJob.Kind, id, cancellationToken);
        return true;
    }

    /// <summary>"Push now": queued at once, or folded into the run queued or under way (one more run after it).</summary>
    public async Task<Outcome<PushMirrorState>> RequestRunAsync(string actorUserId, Repository repository, long id, JobTrigger trigger, CancellationToken cancellationToken = default)
    {
        var found = await GetAsync(actorUserId, repository, id, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        var result = await jobs.RequestAsync(PushMirrorJob.Kind, id, trigger, actorUserId, new JobRequestRules(Coalesce: true), cancellationToken);
        return result.Accepted
            ? found.Value! with { Job = await jobs.FindAsync(PushMirrorJob.Kind, id, cancellationToken) }
            : PortalError.Conflict("This push mirror's run could not be queued; try again.");
    }

    /// <summary>Push mirrors of a repository being deleted: their jobs go too (the rows go with the repository).</summary>
    public async Task RemoveJobsAsync(IReadOnlyCollection<long> mirrorIds, CancellationToken cancellationToken)
    {
        foreach (var id in mirrorIds)
        {
            await jobs.RemoveAsync(PushMirrorJob.Kind, id, cancellationToken);
        }
    }

    public Task<List<long>> IdsAsync(long repositoryId, CancellationToken cancellationToken) =>
        db.PushMirrors.AsNoTracking().Where(m => m.RepositoryId == repositoryId).Select(m => m.Id).ToListAsync(cancellationToken);

    /// <summary>Checks every field the request names and writes them into <paramref name="mirror"/>; null when all is well, else nothing is usable.</summary>
    private async Task<PortalError?> ApplyAsync(string actorUserId, Repository repository, PushMirror mirror, PushMirrorRequest request, IReadOnlyCollection<string> selfUrls, CancellationToken cancellationToken)
    {
        var urlChanged = request.Url is not null;
        var parsed = UpstreamUrl.Parse(request.Url ?? mirror.Url);
        if (!parsed.Succeeded)
        {
            return parsed.Error;
        }

        var url = parsed.Value!.Url;
        if (IsThisRepository(url, repository, selfUrls))
        {
            return PortalError.Invalid("That URL is this repository itself, here on Portal: a push mirror must point somewhere else.");
        }

        var onlyProtected = request.OnlyProtectedBranches ?? mirror.OnlyProtectedBranches;
        var branchFilter = request.BranchFilter is null ? mirror.BranchFilter : string.IsNullOrWhiteSpace(request.BranchFilter) ? null : request.BranchFilter.Trim();
        if (BranchFilter.CheckChoice(branchFilter, onlyProtected) is { } badFilter)
        {
            return badFilter;
        }

        var interval = request.IntervalHours is null && mirror.Id != 0 ? (Outcome<TimeSpan>?)null : validator.Interval(request.IntervalHours);
        if (interval is { Succeeded: false })
        {
            return interval.Value.Error;
        }

        // Credentials given (or embedded in the URL) replace the stored ones; a new URL keeps them only if they fit it.
        ResolvedCredentials? replaced = null;
        if (request.Auth is not null || parsed.Value.EmbeddedPassword is not null || mirror.Id == 0)
        {
            var credentials = await validator.CredentialsAsync(actorUserId, parsed.Value, request.Auth, cancellationToken);
            if (!credentials.Succeeded)
            {
                return credentials.Error;
            }

            replaced = credentials.Value;
        }
        else if (urlChanged && !Fits(mirror.AuthKind, url))
        {
            return PortalError.Invalid("The stored credentials do not fit the new URL (a token is for https, a deploy key for ssh): send \"auth\" with it.");
        }

        var hostKeys = request.HostKeys is null ? (Outcome<string?>?)null : await validator.HostKeysAsync(request.HostKeys, url, cancellationToken, allowEmpty: true);
        if (hostKeys is { Succeeded: false })
        {
            return hostKeys.Value.Error;
        }

        if (urlChanged || mirror.Id == 0)
        {
            // Refuse internal addresses now, with the reason, rather than in the first run (with keys given, nothing is scanned).
            var session = await connector.OpenAsync(url, UpstreamCredentials.None, hostKeys?.Value ?? (urlChanged ? null : mirror.PinnedHostKey), cancellationToken);
            if (!session.Succeeded)
            {
                return session.Error;
            }

            await session.Value!.DisposeAsync();
        }

        if (urlChanged && !url.SameRepositoryAs(UpstreamUrl.Parse(string.IsNullOrEmpty(mirror.Url) ? url.ToString() : mirror.Url).Value!.Url))
        {
            // Another server: its host keys are pinned anew.
            mirror.PinnedHostKey = null;
        }

        mirror.Url = url.ToString();
        mirror.KeepDivergentRefs = request.KeepDivergentRefs ?? mirror.KeepDivergentRefs;
        mirror.OnlyProtectedBranches = onlyProtected;
        mirror.BranchFilter = branchFilter;
        mirror.MirrorTags = request.MirrorTags ?? (mirror.Id == 0 || mirror.MirrorTags);
        mirror.Lfs = request.Lfs ?? mirror.Lfs;
        if (interval is { } newInterval)
        {
            mirror.IntervalMinutes = (int)newInterval.Value!.TotalMinutes;
        }

        if (hostKeys is { } keys)
        {
            mirror.PinnedHostKey = keys.Value;
        }

        if (replaced is not null)
        {
            mirror.AuthKind = replaced.Credentials.AuthKind;
            if (mirror.AuthKind == UpstreamAuthKind.None)
            {
                mirror.Credential = null;
            }
            else
            {
                mirror.Credential ??= new PushMirrorCredential();
                credentialStore.Write(mirror.Credential, replaced.Credentials, replaced.PublicKey);
            }
        }

        mirror.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        return null;
    }

    private static bool Fits(UpstreamAuthKind kind, UpstreamUrl url) => kind switch
    {
        UpstreamAuthKind.SshKey => url.AuthenticatesWithDeployKey,
        UpstreamAuthKind.Password => url.IsHttp,
        _ => true,
    };

    /// <summary>Whether <paramref name="url"/> is this repository on this Portal (http(s), one of Portal's own addresses, its path).</summary>
    private static bool IsThisRepository(UpstreamUrl url, Repository repository, IReadOnlyCollection<string> selfUrls)
    {
        if (!url.IsHttp || repository.Owner is null)
        {
            return false;
        }

        var own = $"/{repository.Owner.Name}/{repository.Name}";
        foreach (var baseUrl in selfUrls)
        {
            if (UpstreamUrl.Parse(baseUrl + own) is { Succeeded: true } self && self.Value!.Url.SameRepositoryAs(url))
            {
                return true;
            }
        }

        return false;
    }

    private async Task ConsumeDeployKeyAsync(PushMirrorRequest request, CancellationToken cancellationToken)
    {
        if (request.Auth?.DeployKeyId is { Length: > 0 } keyId)
        {
            await deployKeys.ConsumePendingAsync(keyId, cancellationToken);
        }
    }

    private Task<PortalError?> RefuseAsync(string actorUserId, Repository repository, CancellationToken cancellationToken) =>
        access.RefuseUnlessAdminAsync(actorUserId, repository, "manage its push mirrors", cancellationToken);

    private static PortalError NotFound(long id) => PortalError.NotFound($"This repository has no push mirror {id}.");
}

/// <summary>
/// A push mirror as asked for. Creating: <see cref="Url"/> is required, the rest defaults (credentials none, all
/// branches and tags, no LFS, overwriting divergent refs, <c>Portal:Sync:DefaultInterval</c>). Editing: null fields
/// stay as they are; a <see cref="BranchFilter"/> of "" removes the filter, <see cref="HostKeys"/> of "" forgets them.
/// Unknown JSON fields are refused: a misspelt option must not silently take its default.
/// </summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record PushMirrorRequest(
    string? Url = null,
    UpstreamAuthRequest? Auth = null,
    bool? KeepDivergentRefs = null,
    bool? OnlyProtectedBranches = null,
    string? BranchFilter = null,
    bool? MirrorTags = null,
    bool? Lfs = null,
    int? IntervalHours = null,
    string? HostKeys = null);

/// <summary>A push mirror and its job (status, times, last error); the job is null only between creation and commit.</summary>
public sealed record PushMirrorState(PushMirror Mirror, Job? Job);
