using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Accounts;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Upstreams;
using Portal.Core.Webhooks;
using Portal.Git;

namespace Portal.Core.Repositories;

/// <summary>
/// Creating a repository: a mirror or migration imported in the background (the import is a mirror-sync job created
/// with the repository), or an empty hosted one. Every input is checked before anything is written; a refused request
/// changes nothing. The API and the pages both call this.
/// </summary>
public sealed class RepositoryCreationService(
    PortalDbContext db,
    OwnerService owners,
    RepositoryInputValidator validator,
    UpstreamConnector connector,
    UpstreamCredentialStore credentialStore,
    DeployKeyService deployKeys,
    LocalRepository local,
    JobEngine jobs,
    DataDirectory dataDir,
    TimeProvider clock,
    WebhookEventPublisher events,
    ILogger<RepositoryCreationService> logger)
{
    public async Task<Outcome<Repository>> CreateAsync(string actorUserId, CreateRepositoryRequest request, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(request.Mode))
        {
            return RepositoryInputValidator.UnknownMode;
        }

        var visibility = RepositoryInputValidator.Visibility(request.Visibility, RepositoryVisibility.Private);
        if (!visibility.Succeeded)
        {
            return visibility.Error!;
        }

        var description = RepositoryInputValidator.Description(request.Description);
        if (!description.Succeeded)
        {
            return description.Error!;
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
        if (request.Mode != RepositoryMode.Hosted)
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

        if (request.Refs is { IsEmpty: false } refs && (request.Mode != RepositoryMode.Mirror || RepositoryInputValidator.MirrorRefs(refs, null) is not null))
        {
            return RepositoryInputValidator.MirrorRefs(refs, null) ?? PortalError.Invalid("Write-through, branch filters and tags apply to mirrors only: choose mode \"mirror\", or leave them out.");
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
            return NameTaken(owner, name);
        }

        var interval = validator.Interval(request.IntervalHours);
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
            Description = description.Value ?? "",
            Visibility = visibility.Value,
            Mode = request.Mode,
            CreatedAt = now,
            UpdatedAt = now,
        };

        if (upstream is not null && await AttachUpstreamAsync(actorUserId, repository, upstream, request, interval.Value, cancellationToken) is { } refused)
        {
            return refused;
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
                return NameTaken(owner, name);
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

        if (request.Mode == RepositoryMode.Hosted)
        {
            await CreateHostedStorageAsync(repository, cancellationToken);
        }
        else
        {
            jobs.Announce(MirrorSyncJob.Kind, repository.Id);
        }

        repository.Owner = owner;
        logger.LogInformation("Repository {Owner}/{Name} ({Mode}) created by {UserId}", owner.Slug, name, request.Mode, actorUserId);
        await events.RepositoryCreatedAsync(repository.Id, actorUserId, CancellationToken.None);
        return repository;
    }

    /// <summary>Whether a name is free under an owner (for checking as the user types).</summary>
    public async Task<bool> IsNameAvailableAsync(long ownerId, string name, CancellationToken cancellationToken = default)
    {
        var normalized = RepositoryNamePolicy.Normalize(name);
        return !await db.Repositories.AnyAsync(r => r.OwnerId == ownerId && r.NormalizedName == normalized, cancellationToken);
    }

    /// <summary>Checks the upstream's credentials, host keys, address and LFS URL, and attaches them; null when all is well.</summary>
    private async Task<PortalError?> AttachUpstreamAsync(string actorUserId, Repository repository, ParsedUpstreamUrl upstream, CreateRepositoryRequest request, TimeSpan interval, CancellationToken cancellationToken)
    {
        var credentials = await validator.CredentialsAsync(actorUserId, upstream, request.Auth, cancellationToken);
        if (!credentials.Succeeded)
        {
            return credentials.Error!;
        }

        var hostKeys = await validator.HostKeysAsync(request.HostKeys, upstream.Url, cancellationToken);
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
        var lfsUrl = await validator.LfsUrlAsync(request.LfsUrl, cancellationToken);
        if (!lfsUrl.Succeeded)
        {
            return lfsUrl.Error!;
        }

        var (resolved, publicKey) = credentials.Value!;
        repository.Upstream = new UpstreamSource
        {
            Url = upstream.Url.ToString(),
            AuthKind = resolved.AuthKind,
            FetchLfs = request.Lfs ?? true,
            LfsUrl = lfsUrl.Value,
            SyncIntervalMinutes = (int)interval.TotalMinutes,
            // The keys the person saw (or typed): the first sync verifies the server against exactly these.
            PinnedHostKey = hostKeys.Value,
        };
        if (request.Refs is { } refs)
        {
            RepositoryInputValidator.ApplyMirrorRefs(refs, repository.Upstream);
        }

        if (repository.Upstream.AuthKind != UpstreamAuthKind.None)
        {
            repository.Credential = new UpstreamCredential();
            credentialStore.Write(repository.Credential, resolved, publicKey);
        }

        return null;
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

    private static PortalError NameTaken(Owner owner, string name) => PortalError.Conflict($"'{owner.Name}/{name}' already exists: choose another name.");
}
