using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Storage;

public enum StorageKind
{
    Dvc,
    Lfs,

    /// <summary>MLflow artifacts: named by the client, so they can be replaced or deleted and their counters go down too.</summary>
    Artifact,
}

/// <summary>
/// The per-repository quota (Portal:Storage:QuotaBytesPerRepo) shared by a repository's DVC storage, its Git LFS
/// objects and its MLflow artifacts: one number an admin sets per repository, whichever tool a project uses for its large files. Usage lives
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
        $"This repository's storage is full: {used:N0} of {quota:N0} bytes used (DVC and Git LFS together with MLflow artifacts). Remove data or ask an admin to raise Portal:Storage:QuotaBytesPerRepo.";

    /// <summary>Counts one more stored object of <paramref name="bytes"/>.</summary>
    public Task CountAsync(long repositoryId, StorageKind kind, long bytes, CancellationToken cancellationToken) =>
        AdjustAsync(repositoryId, kind, 1, bytes, cancellationToken);

    /// <summary>Adds (or, with negative numbers, takes away) objects and bytes: an artifact replaced or deleted gives its room back.</summary>
    public async Task AdjustAsync(long repositoryId, StorageKind kind, long objects, long bytes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await AdjustAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), repositoryId, kind, objects, bytes, cancellationToken);
    }

    private static async Task AdjustAsync(PortalDbContext db, long repositoryId, StorageKind kind, long objects, long bytes, CancellationToken cancellationToken)
    {
        var usages = db.Set<StorageUsage>().Where(u => u.RepositoryId == repositoryId);
        var updated = kind switch
        {
            StorageKind.Lfs => await usages.ExecuteUpdateAsync(u => u.SetProperty(x => x.LfsObjects, x => x.LfsObjects + objects).SetProperty(x => x.LfsBytes, x => x.LfsBytes + bytes), cancellationToken),
            StorageKind.Artifact => await usages.ExecuteUpdateAsync(u => u.SetProperty(x => x.ArtifactObjects, x => x.ArtifactObjects + objects).SetProperty(x => x.ArtifactBytes, x => x.ArtifactBytes + bytes), cancellationToken),
            _ => await usages.ExecuteUpdateAsync(u => u.SetProperty(x => x.Objects, x => x.Objects + objects).SetProperty(x => x.Bytes, x => x.Bytes + bytes), cancellationToken),
        };
        if (updated > 0)
        {
            return;
        }

        db.Set<StorageUsage>().Add(kind switch
        {
            StorageKind.Lfs => new StorageUsage { RepositoryId = repositoryId, LfsObjects = objects, LfsBytes = bytes },
            StorageKind.Artifact => new StorageUsage { RepositoryId = repositoryId, ArtifactObjects = objects, ArtifactBytes = bytes },
            _ => new StorageUsage { RepositoryId = repositoryId, Objects = objects, Bytes = bytes },
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another upload created the row first: count against it.
            db.ChangeTracker.Clear();
            await AdjustAsync(db, repositoryId, kind, objects, bytes, cancellationToken);
        }
    }
}
