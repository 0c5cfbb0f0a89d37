using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Jobs;

namespace Portal.Core.Webhooks;

/// <summary>
/// Turns an event into deliveries: one delivery row and one job per subscription, created together (a delivery never
/// exists without the job that sends it), then announced to the workers. Keeps each webhook's recent deliveries to
/// <see cref="WebhookOptions.KeepDeliveries"/>, removing older ones with their jobs.
/// </summary>
public sealed class WebhookDeliveryQueue(PortalDbContext db, JobEngine jobs, TimeProvider clock, IOptions<WebhookOptions> options)
{
    public async Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(IReadOnlyCollection<WebhookSubscription> subscriptions, string eventName, string body, long? redeliveryOf, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var deliveries = subscriptions.Select(s => new WebhookDelivery
        {
            SubscriptionId = s.Id,
            Guid = Guid.NewGuid().ToString(),
            Event = eventName,
            RequestBody = body,
            RedeliveryOf = redeliveryOf,
            CreatedAt = now,
        }).ToList();
        if (deliveries.Count == 0)
        {
            return deliveries;
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.WebhookDeliveries.AddRange(deliveries);
            await db.SaveChangesAsync(cancellationToken);
            foreach (var delivery in deliveries)
            {
                await jobs.CreateAsync(WebhookDeliveryJob.Kind, delivery.Id, JobTrigger.Event, null, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var delivery in deliveries)
        {
            db.Entry(delivery).State = EntityState.Detached;
            jobs.Announce(WebhookDeliveryJob.Kind, delivery.Id);
        }

        foreach (var subscription in subscriptions)
        {
            await PruneAsync(subscription.Id, cancellationToken);
        }

        return deliveries;
    }

    /// <summary>Removes deliveries of a subscription beyond the newest <see cref="WebhookOptions.KeepDeliveries"/>, and their jobs.</summary>
    private async Task PruneAsync(long subscriptionId, CancellationToken cancellationToken)
    {
        var doomed = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.SubscriptionId == subscriptionId)
            .OrderByDescending(d => d.Id)
            .Skip(options.Value.KeepDeliveries)
            .Select(d => d.Id)
            .ToListAsync(cancellationToken);
        await RemoveAsync(doomed, cancellationToken);
    }

    /// <summary>Before a repository is deleted (its webhooks and their deliveries go with it): the jobs of those deliveries.</summary>
    public async Task RemoveForRepositoryAsync(long repositoryId, CancellationToken cancellationToken)
    {
        var deliveries = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.Subscription!.RepositoryId == repositoryId)
            .Select(d => d.Id)
            .ToListAsync(cancellationToken);
        await RemoveAsync(deliveries, cancellationToken);
    }

    /// <summary>Removes deliveries and their jobs (a job whose delivery is gone would have nothing to send).</summary>
    public async Task RemoveAsync(IReadOnlyCollection<long> deliveryIds, CancellationToken cancellationToken)
    {
        if (deliveryIds.Count == 0)
        {
            return;
        }

        await db.WebhookDeliveries.Where(d => deliveryIds.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
        await jobs.RemoveAsync(WebhookDeliveryJob.Kind, deliveryIds, cancellationToken);
    }
}
