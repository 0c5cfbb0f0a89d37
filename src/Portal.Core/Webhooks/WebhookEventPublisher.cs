using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Repositories;

namespace Portal.Core.Webhooks;

/// <summary>
/// The one place events are published: the services where things happen (the push recorder, the mirror-sync job,
/// repository creation and removal, push mirrors) call it, and it queues one delivery per interested webhook of the
/// repository and of the organization that owns it. Publishing never fails the work that caused it: it runs in its own
/// scope (its own DbContext, so nothing half-written joins the caller's), and an error is logged, not thrown.
/// </summary>
public sealed class WebhookEventPublisher(IServiceScopeFactory scopes, TimeProvider clock, ILogger<WebhookEventPublisher> logger)
{
    public Task PushedAsync(long repositoryId, string? actorUserId, IReadOnlyList<RefChange> changes, CancellationToken cancellationToken = default) =>
        PublishAsync(WebhookEvents.Push, repositoryId, actorUserId, changes, null, null, cancellationToken);

    /// <summary>A sync's end: <see cref="WebhookEvents.SyncSucceeded"/>, <see cref="WebhookEvents.SyncFailed"/> or <see cref="WebhookEvents.SyncHardFailed"/>.</summary>
    public Task SyncEndedAsync(string eventName, long repositoryId, string? actorUserId, IReadOnlyList<RefChange> changes, string? error, CancellationToken cancellationToken = default) =>
        PublishAsync(eventName, repositoryId, actorUserId, changes, error, null, cancellationToken);

    public Task RepositoryCreatedAsync(long repositoryId, string actorUserId, CancellationToken cancellationToken = default) =>
        PublishAsync(WebhookEvents.RepositoryCreated, repositoryId, actorUserId, [], null, null, cancellationToken);

    /// <summary>
    /// For the push-mirror feature: a push to <paramref name="remoteUrl"/> (without credentials) failed with
    /// <paramref name="error"/> (already scrubbed of secrets).
    /// </summary>
    public Task PushMirrorFailedAsync(long repositoryId, long pushMirrorId, string remoteUrl, string error, CancellationToken cancellationToken = default) =>
        PublishAsync(WebhookEvents.PushMirrorFailed, repositoryId, null, [], error, new WebhookPushMirror(pushMirrorId, remoteUrl), cancellationToken);

    /// <summary>After the repository is gone: described as it was (its own webhooks went with it, so its organization's hear this).</summary>
    public Task RepositoryDeletedAsync(WebhookRepository repository, long ownerId, string actorUserId, CancellationToken cancellationToken = default) =>
        PublishAsync(new PublishedEvent(WebhookEvents.RepositoryDeleted, repository, ownerId, actorUserId, [], null, null), cancellationToken);

    /// <summary>
    /// An event of a repository that still exists: its subscriptions are looked up first, so the common case (nobody
    /// subscribed: every scheduled sync of every mirror) costs one query, and the repository is read only when someone listens.
    /// </summary>
    private async Task PublishAsync(string eventName, long repositoryId, string? actorUserId, IReadOnlyList<RefChange> changes, string? error, WebhookPushMirror? pushMirror, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var owner = db.Repositories.Where(r => r.Id == repositoryId).Select(r => r.OwnerId);
            var organizationIds = db.Organizations.Where(o => owner.Contains(o.OwnerId)).Select(o => (long?)o.Id);
            var subscriptions = await SubscriptionsAsync(db, eventName, repositoryId, organizationIds, cancellationToken);
            if (subscriptions.Count == 0)
            {
                return;
            }

            var repository = await db.Repositories.AsNoTracking().Include(r => r.Owner).FirstOrDefaultAsync(r => r.Id == repositoryId, cancellationToken);
            if (repository is not null)
            {
                await EnqueueAsync(scope.ServiceProvider, subscriptions, new PublishedEvent(eventName, WebhookRepository.From(repository), repository.OwnerId, actorUserId, changes, error, pushMirror), cancellationToken);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The push or sync happened; a webhook that cannot be queued must not undo or fail it.
            logger.LogError(exception, "Could not queue the {Event} event of repository {RepositoryId} for its webhooks", eventName, repositoryId);
        }
    }

    private async Task PublishAsync(PublishedEvent published, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var organizationIds = db.Organizations.Where(o => o.OwnerId == published.OwnerId).Select(o => (long?)o.Id);
            var subscriptions = await SubscriptionsAsync(db, published.Name, published.Repository.Id, organizationIds, cancellationToken);
            if (subscriptions.Count > 0)
            {
                await EnqueueAsync(scope.ServiceProvider, subscriptions, published, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The deletion happened; a webhook that cannot be queued must not undo or fail it.
            logger.LogError(exception, "Could not queue the {Event} event of repository {RepositoryId} for its webhooks", published.Name, published.Repository.Id);
        }
    }

    /// <summary>The active webhooks of the repository and of the organization owning it (<paramref name="organizationIds"/>) that want this event.</summary>
    private static async Task<List<WebhookSubscription>> SubscriptionsAsync(PortalDbContext db, string eventName, long repositoryId, IQueryable<long?> organizationIds, CancellationToken cancellationToken)
    {
        var candidates = await db.WebhookSubscriptions.AsNoTracking()
            .Where(s => s.Active && (s.RepositoryId == repositoryId || organizationIds.Contains(s.OrganizationId)))
            .ToListAsync(cancellationToken);
        return candidates.Where(s => s.Wants(eventName)).ToList();
    }

    private async Task EnqueueAsync(IServiceProvider services, List<WebhookSubscription> subscriptions, PublishedEvent published, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        var actor = published.ActorUserId is null ? null
            : await db.Users.AsNoTracking().Where(u => u.Id == published.ActorUserId).Select(u => u.UserName).FirstOrDefaultAsync(cancellationToken);
        var payload = new WebhookPayload(
            published.Name,
            Guid.NewGuid().ToString(),
            clock.GetUtcNow().UtcDateTime,
            published.Repository,
            actor is null ? null : new WebhookActor(actor),
            WebhookPayload.Changes(published.RefChanges),
            published.RefChanges.Count > WebhookPayload.MaxRefChanges,
            published.Error,
            published.PushMirror);
        await services.GetRequiredService<WebhookDeliveryQueue>().EnqueueAsync(subscriptions, published.Name, payload.ToJson(), null, cancellationToken);
        logger.LogInformation("Event {Event} of repository {RepositoryId} queued for {Count} webhooks", published.Name, published.Repository.Id, subscriptions.Count);
    }

    private sealed record PublishedEvent(string Name, WebhookRepository Repository, long OwnerId, string? ActorUserId, IReadOnlyList<RefChange> RefChanges, string? Error, WebhookPushMirror? PushMirror);
}
