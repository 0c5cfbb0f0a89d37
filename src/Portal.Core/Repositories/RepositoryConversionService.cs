using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;

namespace Portal.Core.Repositories;

/// <summary>"Stop mirroring": the mirror becomes a hosted repository; the upstream URL stays for reference, its secrets go.</summary>
public sealed class RepositoryConversionService(PortalDbContext db, RepositoryAccess access, JobEngine jobs, DataDirectory dataDir, TimeProvider clock)
{
    public async Task<Outcome<Repository>> ConvertToHostedAsync(string actorUserId, Repository repository, CancellationToken cancellationToken = default)
    {
        if (await access.RefuseUnlessAdminAsync(actorUserId, repository, "stop mirroring", cancellationToken) is { } refused)
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
}
