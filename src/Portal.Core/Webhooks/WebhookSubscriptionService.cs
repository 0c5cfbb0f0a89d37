using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Accounts;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Organizations;
using Portal.Core.Repositories;
using Portal.Core.Security;

namespace Portal.Core.Webhooks;

/// <summary>Whose webhooks: a repository's own, or an organization's (heard for all its repositories).</summary>
public sealed record WebhookScope(long? RepositoryId, long? OrganizationId)
{
    public static WebhookScope Repository(long id) => new(id, null);

    public static WebhookScope Organization(long id) => new(null, id);
}

/// <summary>A webhook as asked for; on an edit, null fields stay as they are.</summary>
public sealed record WebhookRequest(string? Url, string? Secret, IReadOnlyList<string?>? Events, bool? Active);

/// <summary>A delivery with its job (queued, running, succeeded, failed and retrying, or given up).</summary>
public sealed record WebhookDeliveryView(WebhookDelivery Delivery, Job? Job);

/// <summary>
/// Webhooks of repositories and organizations: create, change, delete, their recent deliveries, redeliver. Only a
/// repository's maintainers (or an organization's owners and maintainers) manage them, checked again at every call.
/// Secrets are encrypted when stored and never returned.
/// </summary>
public sealed class WebhookSubscriptionService(
    PortalDbContext db,
    RepositoryAccess access,
    OrganizationService organizations,
    WebhookTargetPolicy targets,
    WebhookSecretProtector protector,
    WebhookDeliveryQueue queue,
    JobEngine jobs,
    TimeProvider clock,
    ILogger<WebhookSubscriptionService> logger)
{
    /// <summary>Webhooks per repository or organization (GitHub allows 20 too).</summary>
    public const int MaxPerScope = 20;

    public const int MinSecretLength = 16;

    public const int MaxSecretLength = 256;

    public const int MaxDeliveriesListed = 50;

    /// <summary>
    /// The organization's webhooks as the caller may reach them: an organization they do not belong to looks missing
    /// (as its member list does); whether they may manage it is checked by each call.
    /// </summary>
    public async Task<Outcome<WebhookScope>> OrganizationScopeAsync(string actorUserId, string organizationName, CancellationToken cancellationToken = default)
    {
        var organization = await organizations.FindAsync(organizationName, cancellationToken);
        if (organization is null || (await organizations.RoleOfAsync(organization.Id, actorUserId, cancellationToken) is null && !await IsAdminAsync(actorUserId, cancellationToken)))
        {
            return PortalError.NotFound($"There is no organization '{OwnerNamePolicy.Normalize(organizationName)}' that you belong to.");
        }

        return WebhookScope.Organization(organization.Id);
    }

    /// <summary>Whether the caller manages the scope's webhooks (for pages deciding what to show; every call checks again).</summary>
    public async Task<bool> CanManageAsync(string actorUserId, WebhookScope scope, CancellationToken cancellationToken = default) =>
        await RefuseUnlessManagerAsync(actorUserId, scope, cancellationToken) is null;

    public async Task<Outcome<IReadOnlyList<WebhookSubscription>>> ListAsync(string actorUserId, WebhookScope scope, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessManagerAsync(actorUserId, scope, cancellationToken) is { } refused)
        {
            return refused;
        }

        return await InScope(scope).AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);
    }

    public async Task<Outcome<WebhookSubscription>> GetAsync(string actorUserId, WebhookScope scope, long id, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessManagerAsync(actorUserId, scope, cancellationToken) is { } refused)
        {
            return refused;
        }

        var subscription = await InScope(scope).AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        return subscription is null ? NoSuchWebhook(id) : subscription;
    }

    public async Task<Outcome<WebhookSubscription>> CreateAsync(string actorUserId, WebhookScope scope, WebhookRequest request, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessManagerAsync(actorUserId, scope, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (await InScope(scope).CountAsync(cancellationToken) >= MaxPerScope)
        {
            return PortalError.Conflict($"There are already {MaxPerScope} webhooks here, the most Portal keeps: delete one first.");
        }

        var url = await targets.CheckAsync(request.Url, cancellationToken);
        if (!url.Succeeded)
        {
            return url.Error!;
        }

        var secret = CheckSecret(request.Secret);
        if (!secret.Succeeded)
        {
            return secret.Error!;
        }

        var events = WebhookEvents.Parse(request.Events);
        if (!events.Succeeded)
        {
            return events.Error!;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var subscription = new WebhookSubscription
        {
            RepositoryId = scope.RepositoryId,
            OrganizationId = scope.OrganizationId,
            Url = url.Value!.ToString(),
            ProtectedSecret = protector.Protect(secret.Value!),
            Events = WebhookEvents.Join(events.Value!),
            Active = request.Active ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Webhook {SubscriptionId} created by {UserId} for {Scope}", subscription.Id, actorUserId, scope);
        return subscription;
    }

    public async Task<Outcome<WebhookSubscription>> UpdateAsync(string actorUserId, WebhookScope scope, long id, WebhookRequest request, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessManagerAsync(actorUserId, scope, cancellationToken) is { } refused)
        {
            return refused;
        }

        var subscription = await InScope(scope).FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscription is null)
        {
            return NoSuchWebhook(id);
        }

        // Everything is checked before anything changes: a refused edit changes nothing.
        string? url = null;
        if (request.Url is not null)
        {
            var checkedUrl = await targets.CheckAsync(request.Url, cancellationToken);
            if (!checkedUrl.Succeeded)
            {
                return checkedUrl.Error!;
            }

            url = checkedUrl.Value!.ToString();
        }

        string? secret = null;
        if (request.Secret is not null)
        {
            var checkedSecret = CheckSecret(request.Secret);
            if (!checkedSecret.Succeeded)
            {
                return checkedSecret.Error!;
            }

            secret = checkedSecret.Value;
        }

        IReadOnlyList<string>? events = null;
        if (request.Events is not null)
        {
            var parsed = WebhookEvents.Parse(request.Events);
            if (!parsed.Succeeded)
            {
                return parsed.Error!;
            }

            events = parsed.Value;
        }

        subscription.Url = url ?? subscription.Url;
        subscription.ProtectedSecret = secret is null ? subscription.ProtectedSecret : protector.Protect(secret);
        subscription.Events = events is null ? subscription.Events : WebhookEvents.Join(events);
        subscription.Active = request.Active ?? subscription.Active;
        subscription.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return subscription;
    }

    public async Task<Outcome<bool>> DeleteAsync(string actorUserId, WebhookScope scope, long id, CancellationToken cancellationToken = default)
    {
        if (await RefuseUnlessManagerAsync(actorUserId, scope, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!await InScope(scope).AnyAsync(s => s.Id == id, cancellationToken))
        {
            return NoSuchWebhook(id);
        }

        var deliveries = await db.WebhookDeliveries.Where(d => d.SubscriptionId == id).Select(d => d.Id).ToListAsync(cancellationToken);
        await queue.RemoveAsync(deliveries, cancellationToken);
        await db.WebhookSubscriptions.Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken);
        logger.LogInformation("Webhook {SubscriptionId} deleted by {UserId}", id, actorUserId);
        return true;
    }

    /// <summary>The newest deliveries first, with their jobs.</summary>
    public async Task<Outcome<IReadOnlyList<WebhookDeliveryView>>> DeliveriesAsync(string actorUserId, WebhookScope scope, long id, int limit, CancellationToken cancellationToken = default)
    {
        var subscription = await GetAsync(actorUserId, scope, id, cancellationToken);
        if (!subscription.Succeeded)
        {
            return subscription.Error!;
        }

        var deliveries = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.SubscriptionId == id)
            .OrderByDescending(d => d.Id)
            .Take(Math.Clamp(limit, 1, MaxDeliveriesListed))
            .ToListAsync(cancellationToken);
        var states = await jobs.FindManyAsync(WebhookDeliveryJob.Kind, [.. deliveries.Select(d => d.Id)], cancellationToken);
        return deliveries.Select(d => new WebhookDeliveryView(d, states.GetValueOrDefault(d.Id))).ToList();
    }

    /// <summary>Sends a delivery's body again, as a new delivery (its own X-Portal-Delivery), at once.</summary>
    public async Task<Outcome<WebhookDeliveryView>> RedeliverAsync(string actorUserId, WebhookScope scope, long id, long deliveryId, CancellationToken cancellationToken = default)
    {
        var subscription = await GetAsync(actorUserId, scope, id, cancellationToken);
        if (!subscription.Succeeded)
        {
            return subscription.Error!;
        }

        var original = await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id, cancellationToken);
        if (original is null)
        {
            return PortalError.NotFound($"Webhook {id} has no delivery {deliveryId} (only the most recent deliveries are kept).");
        }

        if (!subscription.Value!.Active)
        {
            return PortalError.Conflict("This webhook is inactive: activate it, then redeliver.");
        }

        var created = (await queue.EnqueueAsync([subscription.Value], original.Event, original.RequestBody, original.Id, cancellationToken)).Single();
        logger.LogInformation("Delivery {DeliveryId} redelivered as {NewDeliveryId} by {UserId}", original.Id, created.Id, actorUserId);
        return new WebhookDeliveryView(created, await jobs.FindAsync(WebhookDeliveryJob.Kind, created.Id, cancellationToken));
    }

    private IQueryable<WebhookSubscription> InScope(WebhookScope scope) => scope.RepositoryId is { } repositoryId
        ? db.WebhookSubscriptions.Where(s => s.RepositoryId == repositoryId)
        : db.WebhookSubscriptions.Where(s => s.OrganizationId == scope.OrganizationId);

    private async Task<PortalError?> RefuseUnlessManagerAsync(string actorUserId, WebhookScope scope, CancellationToken cancellationToken)
    {
        if (scope.RepositoryId is { } repositoryId)
        {
            return await access.RefuseUnlessAdminAsync(actorUserId, repositoryId, "manage its webhooks", cancellationToken);
        }

        var role = await organizations.RoleOfAsync(scope.OrganizationId!.Value, actorUserId, cancellationToken);
        return role >= OrganizationRole.Maintainer || await IsAdminAsync(actorUserId, cancellationToken)
            ? null
            : PortalError.Forbidden("Only the organization's owners and maintainers can manage its webhooks.");
    }

    private Task<bool> IsAdminAsync(string userId, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.Id == userId && u.IsAdmin, cancellationToken);

    private static Outcome<string> CheckSecret(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinSecretLength || secret.Length > MaxSecretLength || secret.Any(char.IsControl))
        {
            return PortalError.Invalid($"Give a secret of {MinSecretLength} to {MaxSecretLength} characters (for example from 'openssl rand -hex 32'): receivers check each payload's X-Portal-Signature-256 with it.");
        }

        return secret;
    }

    private static PortalError NoSuchWebhook(long id) => PortalError.NotFound($"There is no webhook {id} here.");
}
