using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Accounts;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Repositories;

/// <summary>
/// Creating, editing, converting and deleting repositories. Every input is checked before anything is written; a
/// refused request changes nothing. The API and the pages both call this: no rule lives in a component.
/// </summary>
public sealed class RepositoryService(
    PortalDbContext db,
    OwnerService owners,
    RepositoryAccess access,
    UpstreamConnector connector,
    UpstreamProbe probe,
    UpstreamCredentialStore credentialStore,
    DeployKeyService deployKeys,
    SshTools ssh,
    LocalRepository local,
    JobEngine jobs,
    DataDirectory dataDir,
    TimeProvider clock,
    IOptions<SyncOptions> syncOptions,
    ILogger<RepositoryService> logger)
{
    public async Task<Outcome<Repository>> CreateAsync(string actorUserId, CreateRepositoryRequest request, CancellationToken cancellationToken = default)
    {
        var mode = (request.Mode ?? "").Trim().ToLowerInvariant() switch
        {
            "mirror" => RepositoryMode.Mirror,
            "migrate" or "migrated" => RepositoryMode.Migrated,
            "hosted" => (RepositoryMode?)RepositoryMode.Hosted,
            _ => null,
        };
        if (mode is null)
        {
            return PortalError.Invalid("Choose a mode: \"mirror\" (keep a read-only copy in sync), \"migrate\" (copy once, then host here) or \"hosted\" (a new empty repository).");
        }

        var visibility = ParseVisibility(request.Visibility ?? "private");
        if (visibility is null)
        {
            return PortalError.Invalid("Visibility must be \"public\", \"internal\" or \"private\".");
        }

        var description = (request.Description ?? "").Trim();
        if (description.Length > 2000)
        {
            return PortalError.Invalid("Descriptions are at most 2000 characters.");
        }

        if (string.IsNullOrWhiteSpace(request.Owner))
        {
            return PortalError.Invalid("Name the owner: your user name or an organization you maintain.");
        }

        var owner = await owners.FindAsync(request.Owner, cancellationToken);
        if (owner is null)
        {
            return PortalError.Invalid($"There is no user or organization named '{request.Owner.Trim()}'.");
        }

        if (!await owners.CanCreateRepositoryAsync(actorUserId, owner, cancellationToken))
        {
            return PortalError.Forbidden($"You cannot create repositories under '{owner.Name}': only the user, or the organization's owners and maintainers, can.");
        }

        ParsedUpstreamUrl? upstream = null;
        if (mode != RepositoryMode.Hosted)
        {
            var parsed = UpstreamUrl.Parse(request.CloneUrl);
            if (!parsed.Succeeded)
            {
                return parsed.Error!;
            }

            upstream = parsed.Value!;
        }
        else if (!string.IsNullOrWhiteSpace(request.CloneUrl) || !string.IsNullOrWhiteSpace(request.LfsUrl) || request.HostKeys is not null)
        {
            return PortalError.Invalid("A hosted repository starts empty: leave cloneUrl, lfsUrl and hostKeys out, or choose mode \"mirror\" or \"migrate\".");
        }

        var name = (request.Name ?? upstream?.Url.SuggestedName() ?? "").Trim();
        var nameCheck = RepositoryNamePolicy.Check(name);
        if (!nameCheck.IsValid)
        {
            return PortalError.Invalid(nameCheck.Error!);
        }

        var normalized = RepositoryNamePolicy.Normalize(name);
        if (await db.Repositories.AnyAsync(r => r.OwnerId == owner.Id && r.NormalizedName == normalized, cancellationToken))
        {
            return PortalError.Conflict($"'{owner.Name}/{name}' already exists: choose another name.");
        }

        var interval = ResolveInterval(request.IntervalHours);
        if (!interval.Succeeded)
        {
            return interval.Error!;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var repository = new Repository
        {
            OwnerId = owner.Id,
            Name = name,
            NormalizedName = normalized,
            Description = description,
            Visibility = visibility.Value,
            Mode = mode.Value,
            CreatedAt = now,
            UpdatedAt = now,
        };

        if (upstream is not null)
        {
            var credentials = await ResolveCredentialsAsync(actorUserId, upstream, request.Auth, cancellationToken);
            if (!credentials.Succeeded)
            {
                return credentials.Error!;
            }

            var hostKeys = await PinnableHostKeysAsync(request.HostKeys, upstream.Url, cancellationToken);
            if (!hostKeys.Succeeded)
            {
                return hostKeys.Error!;
            }

            // Refuse internal addresses now, with the reason, rather than in the first sync (with keys given, nothing is scanned).
            var session = await connector.OpenAsync(upstream.Url, UpstreamCredentials.None, pinnedHostKeys: hostKeys.Value, cancellationToken);
            if (!session.Succeeded)
            {
                return session.Error!;
            }

            await session.Value!.DisposeAsync();
            string? lfsUrl = null;
            if (!string.IsNullOrWhiteSpace(request.LfsUrl))
            {
                var checkedLfsUrl = await connector.CheckLfsUrlAsync(request.LfsUrl, cancellationToken);
                if (!checkedLfsUrl.Succeeded)
                {
                    return checkedLfsUrl.Error!;
                }

                lfsUrl = checkedLfsUrl.Value;
            }

            var (resolved, publicKey) = credentials.Value!;
            repository.Upstream = new UpstreamSource
            {
                Url = upstream.Url.ToString(),
                AuthKind = resolved.AuthKind,
                FetchLfs = request.Lfs ?? true,
                LfsUrl = lfsUrl,
                SyncIntervalMinutes = (int)interval.Value.TotalMinutes,
                // The keys the person saw (or typed): the first sync verifies the server against exactly these.
                PinnedHostKey = hostKeys.Value,
            };
            if (repository.Upstream.AuthKind != UpstreamAuthKind.None)
            {
                repository.Credential = new UpstreamCredential();
                credentialStore.Write(repository.Credential, resolved, publicKey);
            }
        }

        db.Repositories.Add(repository);
        // The repository and its import job are created together, or not at all.
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                return PortalError.Conflict($"'{owner.Name}/{name}' already exists: choose another name.");
            }

            if (upstream is not null)
            {
                await jobs.CreateAsync(MirrorSyncJob.Kind, repository.Id, JobTrigger.Import, actorUserId, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (request.Auth?.DeployKeyId is { } keyId)
        {
            await deployKeys.ConsumePendingAsync(keyId, cancellationToken);
        }

        if (mode == RepositoryMode.Hosted)
        {
            await CreateHostedStorageAsync(repository, cancellationToken);
        }
        else
        {
            jobs.Announce(MirrorSyncJob.Kind, repository.Id);
        }

        repository.Owner = owner;
        logger.LogInformation("Repository {Owner}/{Name} ({Mode}) created by {UserId}", owner.Slug, name, mode, actorUserId);
        return repository;
    }

    private async Task CreateHostedStorageAsync(Repository repository, CancellationToken cancellationToken)
    {
        var path = dataDir.RepositoryPath(repository.Id);
        try
        {
            await local.InitBareAsync(path, cancellationToken);
            await local.SetHeadAsync(path, "refs/heads/main", cancellationToken);
            repository.DefaultBranch = "main";
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (GitException)
        {
            db.Repositories.Remove(repository);
            await db.SaveChangesAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>Connects to an upstream with the given credentials and reports what it has, without creating anything.</summary>
    /// <summary>With <paramref name="hostKeys"/> (typed in by hand), the server must present one of them; without, its keys are scanned and returned.</summary>
    public async Task<Outcome<ConnectionTestResult>> TestConnectionAsync(string actorUserId, string? cloneUrl, UpstreamAuthRequest? auth, string? hostKeys = null, CancellationToken cancellationToken = default)
    {
        var parsed = UpstreamUrl.Parse(cloneUrl);
        if (!parsed.Succeeded)
        {
            return parsed.Error!;
        }

        var credentials = await ResolveCredentialsAsync(actorUserId, parsed.Value!, auth, cancellationToken);
        if (!credentials.Succeeded)
        {
            return credentials.Error!;
        }

        var pinned = await PinnableHostKeysAsync(hostKeys, parsed.Value!.Url, cancellationToken);
        if (!pinned.Succeeded)
        {
            return pinned.Error!;
        }

        var opened = await connector.OpenAsync(parsed.Value.Url, credentials.Value!.Credentials, pinned.Value, cancellationToken);
        if (!opened.Succeeded)
        {
            return opened.Error!;
        }

        await using var session = opened.Value!;
        var refs = await probe.ListRefsAsync(session, parsed.Value.Url, cancellationToken);
        if (!refs.Succeeded)
        {
            return refs.Error!;
        }

        var snapshot = refs.Value!;
        var fingerprints = session.HostKeys is null ? [] : await ssh.FingerprintsAsync(session.HostKeys, cancellationToken);
        return new ConnectionTestResult(
            snapshot.Refs.Keys.Count(r => r.StartsWith("refs/heads/", StringComparison.Ordinal)),
            snapshot.Refs.Keys.Count(r => r.StartsWith("refs/tags/", StringComparison.Ordinal)),
            snapshot.Head?.StartsWith("refs/heads/", StringComparison.Ordinal) == true ? snapshot.Head["refs/heads/".Length..] : snapshot.Head,
            fingerprints,
            session.HostKeys);
    }

    public async Task<Outcome<Repository>> UpdateAsync(string actorUserId, Repository repository, UpdateRepositoryRequest request, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessAdminAsync(actorUserId, repository, "change its settings", cancellationToken) is { } refused)
        {
            return refused;
        }

        var tracked = await db.Repositories.Include(r => r.Upstream).Include(r => r.Credential).FirstAsync(r => r.Id == repository.Id, cancellationToken);

        // Check everything before changing anything: a refused edit leaves the repository as it was.
        var description = request.Description?.Trim();
        if (description?.Length > 2000)
        {
            return PortalError.Invalid("Descriptions are at most 2000 characters.");
        }

        var visibility = request.Visibility is null ? tracked.Visibility : ParseVisibility(request.Visibility);
        if (visibility is null)
        {
            return PortalError.Invalid("Visibility must be \"public\", \"internal\" or \"private\".");
        }

        var mirrorSettingsChanged = request.IntervalHours is not null || request.Lfs is not null || request.Auth is not null || request.LfsUrl is not null || request.HostKeys is not null;
        if (mirrorSettingsChanged && (tracked.Mode != RepositoryMode.Mirror || tracked.Upstream is null))
        {
            return PortalError.Invalid("The sync interval, LFS settings, credentials and host keys apply to mirrors only.");
        }

        var lfsUrl = string.IsNullOrWhiteSpace(request.LfsUrl) ? (Outcome<string>?)null : await connector.CheckLfsUrlAsync(request.LfsUrl, cancellationToken);
        if (lfsUrl is { Succeeded: false })
        {
            return lfsUrl.Value.Error!;
        }

        var hostKeys = request.HostKeys is null ? (Outcome<string?>?)null : await PinnableHostKeysAsync(request.HostKeys, UpstreamUrl.Parse(tracked.Upstream!.Url).Value!.Url, cancellationToken, allowEmpty: true);
        if (hostKeys is { Succeeded: false })
        {
            return hostKeys.Value.Error!;
        }

        var interval = request.IntervalHours is null ? (Outcome<TimeSpan>?)null : ResolveInterval(request.IntervalHours);
        if (interval is { Succeeded: false })
        {
            return interval.Value.Error!;
        }

        (UpstreamCredentials Credentials, string? PublicKey)? newCredentials = null;
        if (request.Auth is not null)
        {
            var parsed = UpstreamUrl.Parse(tracked.Upstream!.Url);
            var credentials = await ResolveCredentialsAsync(actorUserId, parsed.Value!, request.Auth, cancellationToken);
            if (!credentials.Succeeded)
            {
                return credentials.Error!;
            }

            newCredentials = credentials.Value;
        }

        tracked.Description = description ?? tracked.Description;
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
            tracked.Upstream!.LfsUrl = lfsUrl?.Value;
        }

        if (hostKeys is { } keys)
        {
            // Empty forgets the pinned keys: the next sync pins what the server presents then.
            tracked.Upstream!.PinnedHostKey = keys.Value;
        }

        if (newCredentials is var (resolved, publicKey))
        {
            tracked.Credential ??= new UpstreamCredential { RepositoryId = tracked.Id };
            credentialStore.Write(tracked.Credential, resolved, publicKey ?? tracked.Credential.SshPublicKey);
            tracked.Upstream!.AuthKind = resolved.AuthKind;
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

    /// <summary>"Stop mirroring": the mirror becomes a hosted repository; the upstream URL stays for reference, its secrets go.</summary>
    public async Task<Outcome<Repository>> ConvertToHostedAsync(string actorUserId, Repository repository, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessAdminAsync(actorUserId, repository, "stop mirroring", cancellationToken) is { } refused)
        {
            return refused;
        }

        var tracked = await db.Repositories.Include(r => r.Credential).FirstAsync(r => r.Id == repository.Id, cancellationToken);
        if (tracked.Mode != RepositoryMode.Mirror)
        {
            return PortalError.Invalid("Only a mirror can be converted; this repository is already hosted here.");
        }

        var sync = await jobs.FindAsync(MirrorSyncJob.Kind, tracked.Id, cancellationToken);
        if (sync?.Status is JobStatus.Queued or JobStatus.Running)
        {
            return PortalError.Conflict("A sync is queued or running; convert once it has finished.");
        }

        if (!Directory.Exists(dataDir.RepositoryPath(tracked.Id)))
        {
            return PortalError.Conflict("The mirror has not been imported yet; wait for its first sync to succeed.");
        }

        tracked.Mode = RepositoryMode.Hosted;
        if (tracked.Credential is not null)
        {
            db.UpstreamCredentials.Remove(tracked.Credential);
        }

        tracked.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        // The last sync's record stays for reference; nothing schedules it again.
        await jobs.RescheduleAsync(MirrorSyncJob.Kind, tracked.Id, null, cancellationToken);
        return tracked;
    }

    public async Task<Outcome<bool>> DeleteAsync(string actorUserId, Repository repository, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessAdminAsync(actorUserId, repository, "delete it", cancellationToken) is { } refused)
        {
            return refused;
        }

        var sync = await jobs.FindAsync(MirrorSyncJob.Kind, repository.Id, cancellationToken);
        if (sync?.Status == JobStatus.Running)
        {
            return PortalError.Conflict("A sync is running; delete the repository once it has finished.");
        }

        await db.Repositories.Where(r => r.Id == repository.Id).ExecuteDeleteAsync(cancellationToken);
        await jobs.RemoveAsync(MirrorSyncJob.Kind, repository.Id, cancellationToken);
        foreach (var path in new[] { dataDir.RepositoryPath(repository.Id), dataDir.LfsStoragePath(repository.Id), dataDir.DvcStoragePath(repository.Id) })
        {
            if (Directory.Exists(path))
            {
                // Renamed first, so a half-deleted folder is never mistaken for live data.
                var doomed = Path.Combine(dataDir.TempPath, $"deleted-{repository.Id}-{Guid.NewGuid():N}");
                Directory.Move(path, doomed);
                Directory.Delete(doomed, recursive: true);
            }
        }

        logger.LogInformation("Repository {RepositoryId} deleted by {UserId}", repository.Id, actorUserId);
        return true;
    }

    public async Task<IReadOnlyList<RepositoryEvent>> ListEventsAsync(long repositoryId, int limit, CancellationToken cancellationToken = default) =>
        await db.RepositoryEvents.AsNoTracking()
            .Include(e => e.RefChanges)
            .Where(e => e.RepositoryId == repositoryId)
            .OrderByDescending(e => e.StartedAt).ThenByDescending(e => e.Id)
            .Take(Math.Clamp(limit, 1, 200))
            .ToListAsync(cancellationToken);

    private async Task<PortalError?> RefuseUnlessAdminAsync(string actorUserId, Repository repository, string action, CancellationToken cancellationToken) =>
        await access.RoleAsync(repository, actorUserId, cancellationToken) < RepositoryRole.Admin
            ? PortalError.Forbidden($"Only the repository's owner, or its organization's owners and maintainers, can {action}.")
            : null;

    /// <summary>Whether a name is free under an owner (for checking as the user types).</summary>
    public async Task<bool> IsNameAvailableAsync(long ownerId, string name, CancellationToken cancellationToken = default)
    {
        var normalized = RepositoryNamePolicy.Normalize(name);
        return !await db.Repositories.AnyAsync(r => r.OwnerId == ownerId && r.NormalizedName == normalized, cancellationToken);
    }

    /// <summary>The public half of a repository's deploy key (not secret), if it has one.</summary>
    public Task<string?> DeployPublicKeyAsync(long repositoryId, CancellationToken cancellationToken = default) =>
        db.UpstreamCredentials.AsNoTracking().Where(c => c.RepositoryId == repositoryId).Select(c => c.SshPublicKey).FirstOrDefaultAsync(cancellationToken);

    /// <summary>User names for the actors of events (ids of deleted users are left out).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ActorNamesAsync(IEnumerable<RepositoryEvent> events, CancellationToken cancellationToken = default)
    {
        var ids = events.Select(e => e.ActorUserId).OfType<string>().Distinct().ToList();
        return await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName!, cancellationToken);
    }

    private async Task<Outcome<(UpstreamCredentials Credentials, string? PublicKey)>> ResolveCredentialsAsync(string actorUserId, ParsedUpstreamUrl upstream, UpstreamAuthRequest? auth, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(auth?.DeployKeyId))
        {
            if (upstream.Url.Scheme != "ssh")
            {
                return PortalError.Invalid("A deploy key works over SSH only: use an ssh:// or user@host:path URL, or a token for https.");
            }

            var key = await deployKeys.ReadPendingAsync(actorUserId, auth.DeployKeyId, cancellationToken);
            if (key is null)
            {
                return PortalError.Invalid("That deploy key does not exist or is not yours: generate a new one.");
            }

            return (new UpstreamCredentials(null, null, key.Value.PrivateKey), key.Value.PublicKey);
        }

        var userName = string.IsNullOrWhiteSpace(auth?.Username) ? upstream.EmbeddedUserName : auth.Username.Trim();
        var secret = string.IsNullOrEmpty(auth?.Secret) ? upstream.EmbeddedPassword : auth.Secret;
        if (userName?.Length > 255 || secret?.Length > 4096 || (userName ?? "").Any(char.IsControl) || (secret ?? "").Any(char.IsControl))
        {
            return PortalError.Invalid("The user name or secret is too long or contains control characters.");
        }

        if (upstream.Url.Scheme is "git" && secret is not null)
        {
            return PortalError.Invalid("git:// has no authentication: use https:// with a token, or ssh:// with a deploy key.");
        }

        if (upstream.Url.Scheme == "ssh" && secret is not null)
        {
            return PortalError.Invalid("Over SSH Portal authenticates with a deploy key, not a password: generate a deploy key, or use an https:// URL with a token.");
        }

        return (new UpstreamCredentials(string.IsNullOrEmpty(secret) ? null : userName, string.IsNullOrEmpty(secret) ? null : secret, null), null);
    }

    /// <summary>Host keys to pin: null when none were given (or, with <paramref name="allowEmpty"/>, an empty text to forget them).</summary>
    private async Task<Outcome<string?>> PinnableHostKeysAsync(string? input, UpstreamUrl url, CancellationToken cancellationToken, bool allowEmpty = false)
    {
        if (input is null || (allowEmpty && string.IsNullOrWhiteSpace(input) && url.Scheme == "ssh"))
        {
            return (string?)null;
        }

        var checkedKeys = await HostKeyInput.CheckAsync(input, url, ssh, cancellationToken);
        if (!checkedKeys.Succeeded)
        {
            return checkedKeys.Error!;
        }

        return checkedKeys.Value;
    }

    /// <summary>The pinned SSH host keys' fingerprints ("SHA256:… (ED25519)"), for the settings page.</summary>
    public async Task<IReadOnlyList<string>> HostKeyFingerprintsAsync(Repository repository, CancellationToken cancellationToken = default) =>
        repository.Upstream?.PinnedHostKey is { Length: > 0 } keys ? await ssh.FingerprintsAsync(keys, cancellationToken) : [];

    private Outcome<TimeSpan> ResolveInterval(int? hours)
    {
        if (hours is null)
        {
            return syncOptions.Value.DefaultInterval;
        }

        var interval = TimeSpan.FromHours(hours.Value);
        if (interval < syncOptions.Value.MinInterval || hours > 24 * 365)
        {
            return PortalError.Invalid($"The sync interval must be between {syncOptions.Value.MinInterval.TotalHours:0} hour(s) and a year.");
        }

        return interval;
    }

    public static RepositoryVisibility? ParseVisibility(string value) => value.Trim().ToLowerInvariant() switch
    {
        "public" => RepositoryVisibility.Public,
        "internal" => RepositoryVisibility.Internal,
        "private" => RepositoryVisibility.Private,
        _ => null,
    };
}
