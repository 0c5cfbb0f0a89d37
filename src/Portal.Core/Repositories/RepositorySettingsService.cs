using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Repositories;

/// <summary>
/// A repository's settings: description and visibility, and for mirrors the interval, LFS, credentials, pinned host
/// keys, write-through and which refs they take. Only its administrators change them, checked when the change is made. Every field is checked before any is
/// written: a refused edit leaves the repository as it was.
/// </summary>
public sealed class RepositorySettingsService(
    PortalDbContext db,
    RepositoryAccess access,
    RepositoryInputValidator validator,
    UpstreamCredentialStore credentialStore,
    DeployKeyService deployKeys,
    SshTools ssh,
    JobEngine jobs,
    TimeProvider clock)
{
    public async Task<Outcome<Repository>> UpdateAsync(string actorUserId, Repository repository, UpdateRepositoryRequest request, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessAllowedAsync(actorUserId, repository, cancellationToken) is { } refused)
        {
            return refused;
        }

        var tracked = await db.Repositories.Include(r => r.Upstream).Include(r => r.Credential).FirstAsync(r => r.Id == repository.Id, cancellationToken);

        var description = RepositoryInputValidator.Description(request.Description);
        if (!description.Succeeded)
        {
            return description.Error!;
        }

        var visibility = RepositoryInputValidator.Visibility(request.Visibility, tracked.Visibility);
        if (!visibility.Succeeded)
        {
            return visibility.Error!;
        }

        var mirrorSettingsChanged = request.ChangesMirrorSettings;
        if (mirrorSettingsChanged && (tracked.Mode != RepositoryMode.Mirror || tracked.Upstream is null))
        {
            return PortalError.Invalid("The sync interval, LFS settings, credentials, host keys, write-through and branch filters apply to mirrors only.");
        }

        var lfsUrl = await validator.LfsUrlAsync(request.LfsUrl, cancellationToken);
        if (!lfsUrl.Succeeded)
        {
            return lfsUrl.Error!;
        }

        // Stored URLs were normalised by UpstreamUrl.Parse, so they parse again.
        var upstream = tracked.Upstream is null ? null : UpstreamUrl.Parse(tracked.Upstream.Url).Value!;
        var hostKeys = request.HostKeys is null ? (Outcome<string?>?)null : await validator.HostKeysAsync(request.HostKeys, upstream!.Url, cancellationToken, allowEmpty: true);
        if (hostKeys is { Succeeded: false })
        {
            return hostKeys.Value.Error!;
        }

        var interval = request.IntervalHours is null ? (Outcome<TimeSpan>?)null : validator.Interval(request.IntervalHours);
        if (interval is { Succeeded: false })
        {
            return interval.Value.Error!;
        }

        var credentials = request.Auth is null ? (Outcome<ResolvedCredentials>?)null : await validator.CredentialsAsync(actorUserId, upstream!, request.Auth, cancellationToken);
        if (credentials is { Succeeded: false })
        {
            return credentials.Value.Error!;
        }

        if (request.Refs is { } refs && RepositoryInputValidator.MirrorRefs(refs, tracked.Upstream) is { } badRefs)
        {
            return badRefs;
        }

        tracked.Description = description.Value ?? tracked.Description;
        tracked.Visibility = visibility.Value;
        if (interval is { } newInterval)
        {
            tracked.Upstream!.SyncIntervalMinutes = (int)newInterval.Value.TotalMinutes;
        }

        if (request.Lfs is { } lfs)
        {
            tracked.Upstream!.FetchLfs = lfs;
        }

        if (request.LfsUrl is not null)
        {
            // "" goes back to the endpoint derived from the upstream URL.
            tracked.Upstream!.LfsUrl = lfsUrl.Value;
        }

        if (hostKeys is { } keys)
        {
            // Empty forgets the pinned keys: the next sync pins what the server presents then.
            tracked.Upstream!.PinnedHostKey = keys.Value;
        }

        if (request.Refs is { IsEmpty: false } changed)
        {
            RepositoryInputValidator.ApplyMirrorRefs(changed, tracked.Upstream!);
        }

        if (credentials?.Value is { } replaced)
        {
            tracked.Credential ??= new UpstreamCredential { RepositoryId = tracked.Id };
            credentialStore.Write(tracked.Credential, replaced.Credentials, replaced.PublicKey ?? tracked.Credential.SshPublicKey);
            tracked.Upstream!.AuthKind = replaced.Credentials.AuthKind;
        }

        tracked.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        if (mirrorSettingsChanged)
        {
            // An edit is a person's answer to a failure: start over from a clean slate and try soon.
            await jobs.ForgetFailuresAsync(MirrorSyncJob.Kind, tracked.Id, cancellationToken);
        }

        if (request.Auth?.DeployKeyId is { } keyId)
        {
            await deployKeys.ConsumePendingAsync(keyId, cancellationToken);
        }

        return tracked;
    }

    /// <summary>Null when the actor administers the repository now; else why they cannot change its settings.</summary>
    public Task<PortalError?> RefuseUnlessAllowedAsync(string actorUserId, Repository repository, CancellationToken cancellationToken = default) =>
        access.RefuseUnlessAdminAsync(actorUserId, repository, "change its settings", cancellationToken);

    /// <summary>The public half of a repository's deploy key (not secret), if it has one.</summary>
    public Task<string?> DeployPublicKeyAsync(long repositoryId, CancellationToken cancellationToken = default) =>
        db.UpstreamCredentials.AsNoTracking().Where(c => c.RepositoryId == repositoryId).Select(c => c.SshPublicKey).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The pinned SSH host keys' fingerprints ("SHA256:… (ED25519)"), for the settings page.</summary>
    public async Task<IReadOnlyList<string>> HostKeyFingerprintsAsync(Repository repository, CancellationToken cancellationToken = default) =>
        repository.Upstream?.PinnedHostKey is { Length: > 0 } keys ? await ssh.FingerprintsAsync(keys, cancellationToken) : [];
}
