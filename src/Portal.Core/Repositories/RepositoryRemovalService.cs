using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.PushMirrors;
using Portal.Core.Webhooks;

namespace Portal.Core.Repositories;

/// <summary>
/// Deleting a repository: its row (and everything that hangs off it: its own webhooks, with their deliveries' jobs), its
/// sync and push-mirror jobs, and its folders on disk; then <see cref="WebhookEvents.RepositoryDeleted"/> for its
/// organization's webhooks.
/// </summary>
public sealed class RepositoryRemovalService(
    PortalDbContext db,
    RepositoryAccess access,
    JobEngine jobs,
    PushMirrorService pushMirrors,
    WebhookDeliveryQueue webhookDeliveries,
    WebhookEventPublisher events,
    DataDirectory dataDir,
    ILogger<RepositoryRemovalService> logger)
{
    public async Task<Outcome<bool>> DeleteAsync(string actorUserId, Repository repository, CancellationToken cancellationToken = default)
    {
        if (await access.RefuseUnlessAdminAsync(actorUserId, repository, "delete it", cancellationToken) is { } refused)
        {
            return refused;
        }

        var sync = await jobs.FindAsync(MirrorSyncJob.Kind, repository.Id, cancellationToken);
        if (sync?.Status == JobStatus.Running)
        {
            return PortalError.Conflict("A sync is running; delete the repository once it has finished.");
        }

        var pushMirrorIds = await pushMirrors.IdsAsync(repository.Id, cancellationToken);

        var described = await db.Repositories.AsNoTracking().Include(r => r.Owner).FirstOrDefaultAsync(r => r.Id == repository.Id, cancellationToken);
        if (described is null)
        {
            return PortalError.NotFound("This repository was already deleted.");
        }

        await webhookDeliveries.RemoveForRepositoryAsync(repository.Id, cancellationToken);
        await db.Repositories.Where(r => r.Id == repository.Id).ExecuteDeleteAsync(cancellationToken);
        await jobs.RemoveAsync(MirrorSyncJob.Kind, repository.Id, cancellationToken);
        await jobs.RemoveAsync(CommitGraphJob.Kind, repository.Id, cancellationToken);
        await pushMirrors.RemoveJobsAsync(pushMirrorIds, cancellationToken);
        foreach (var path in new[] { dataDir.RepositoryPath(repository.Id), dataDir.LfsStoragePath(repository.Id), dataDir.DvcStoragePath(repository.Id), dataDir.MlflowArtifactsPath(repository.Id) })
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
        await events.RepositoryDeletedAsync(WebhookRepository.From(described), described.OwnerId, actorUserId, CancellationToken.None);
        return true;
    }
}
