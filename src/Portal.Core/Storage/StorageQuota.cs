using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Storage;

public enum StorageKind
{
    Dvc,
    Lfs,
}

/// <summary>
/// The per-repository quota (Portal:Storage:QuotaBytesPerRepo) shared by a repository's DVC storage and its Git LFS
/// objects: one number an admin sets per repository, whichever tool a project uses for its large files. Usage lives
/// in counters updated after each stored object; concurrent uploads may overshoot by at most one object each.
/// Each call uses its own DbContext: objects are stored concurrently (a mirror downloads several LFS objects at once),
/// and a caller's own context (a sync's, tracking its repository) must never be shared or cleared from here.
/// </summary>
public sealed class StorageQuota(IServiceScopeFactory scopes, IOptions<StorageOptions> options)
{
    public long QuotaBytes => options.Value.QuotaBytesPerRepo;

    public async Task<StorageUsage> UsageAsync(long repositoryId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return await db.Set<StorageUsage>().AsNoTracking().FirstOrDefaultAsync(u => u.RepositoryId == repositoryId, cancellationToken)
            ?? new StorageUsage { RepositoryId = repositoryId };
    }

    /// <summary>Bytes the repository may still store; <see cref="long.MaxValue"/> without a quota.</summary>
    public async Task<long> RemainingAsync(long repositoryId, CancellationToken cancellationToken) =>
        QuotaBytes > 0 ? Math.Max(0, QuotaBytes - (await UsageAsync(repositoryId, cancellationToken)).TotalBytes) : long.MaxValue;

    /// <summary>Why an upload was refused, with the numbers and what to do.</summary>
    public async Task<string> FullMessageAsync(long repositoryId, CancellationToken cancellationToken) =>
        FullMessage((await UsageAsync(repositoryId, cancellationToken)).TotalBytes, QuotaBytes);

    public static string FullMessage(long used, long quota) =>
        $"This repository's storage is full: {used:N0} of {quota:N0} bytes used (DVC and Git LFS together). Remove data or ask an admin to raise Portal:Storage:QuotaBytesPerRepo.";

    public async Task CountAsync(long repositoryId, StorageKind kind, long bytes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await CountAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), repositoryId, kind, bytes, cancellationToken);
    }

    private static async Task CountAsync(PortalDbContext db, long repositoryId, StorageKind kind, long bytes, CancellationToken cancellationToken)
    {
        var usages = db.Set<StorageUsage>().Where(u => u.RepositoryId == repositoryId);
        var updated = kind == StorageKind.Lfs
            ? await usages.ExecuteUpdateAsync(u => u.SetProperty(x => x.LfsObjects, x => x.LfsObjects + 1).SetProperty(x => x.LfsBytes, x => x.LfsBytes + bytes), cancellationToken)
            : await usages.ExecuteUpdateAsync(u => u.SetProperty(x => x.Objects, x => x.Objects + 1).SetProperty(x => x.Bytes, x => x.Bytes + bytes), cancellationToken);
        if (updated > 0)
        {
            return;
        }

        db.Set<StorageUsage>().Add(kind == StorageKind.Lfs
            ? new StorageUsage { RepositoryId = repositoryId, LfsObjects = 1, LfsBytes = bytes }
            : new StorageUsage { RepositoryId = repositoryId, Objects = 1, Bytes = bytes });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another upload created the row first: count against it.
            db.ChangeTracker.Clear();
            await CountAsync(db, repositoryId, kind, bytes, cancellationToken);
        }
    }
}
