using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Jobs;

namespace Portal.Core.PushMirrors;

/// <summary>
/// "The repository changed" (a push to Portal, a pull sync, a write-through push): each of its push mirrors is asked to
/// run after <see cref="PushMirrorOptions.Debounce"/>, coalesced, so a burst of changes is one run per target and a run
/// under way is followed by at most one more. Writes no job state itself: it asks the job engine.
/// </summary>
public sealed class PushMirrorTrigger(PortalDbContext db, JobEngine jobs, IOptions<PushMirrorOptions> options)
{
    public async Task RepositoryChangedAsync(long repositoryId, CancellationToken cancellationToken)
    {
        var mirrors = await db.PushMirrors.AsNoTracking().Where(m => m.RepositoryId == repositoryId).Select(m => m.Id).ToListAsync(cancellationToken);
        foreach (var id in mirrors)
        {
            await jobs.RequestAsync(PushMirrorJob.Kind, id, JobTrigger.Push, null, new JobRequestRules(Coalesce: true, Delay: options.Value.Debounce), cancellationToken);
        }
    }
}
