using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Hosting;

namespace Portal.Core.Storage;

/// <summary>
/// A repository's DVC storage remote: content-addressed files exactly where DVC's HTTP remote asks for them
/// (DVC 3: files/md5/ab/cdef…; DVC 2: ab/cdef…; directory manifests end in .dir). An upload streams to a temporary
/// file while its MD5 is computed, and is renamed into place only if the MD5 equals the name: a wrong or cut-off
/// upload stores nothing. See https://dvc.org/doc/user-guide/data-management/remote-storage/http.
/// </summary>
public sealed partial class DvcObjectStore(PortalDbContext db, DataDirectory dataDir, IOptions<StorageOptions> options)
{
    /// <summary>Maps a request path to a stored file, or null when it is not a DVC object path.</summary>
    public static (string RelativePath, string Md5)? ParsePath(string? path)
    {
        var match = ObjectPath().Match(path ?? "");
        return match.Success ? (match.Value, match.Groups["a"].Value + match.Groups["b"].Value) : null;
    }

    public string FullPath(long repositoryId, string relativePath) => Path.Combine(Root(repositoryId), relativePath);

    public bool Exists(long repositoryId, string relativePath) => File.Exists(FullPath(repositoryId, relativePath));

    public async Task<StorageUsage> UsageAsync(long repositoryId, CancellationToken cancellationToken) =>
        await db.Set<StorageUsage>().AsNoTracking().FirstOrDefaultAsync(u => u.RepositoryId == repositoryId, cancellationToken)
        ?? new StorageUsage { RepositoryId = repositoryId };

    public async Task<StoreResult> StoreAsync(long repositoryId, string relativePath, string md5, long? declaredLength, Stream body, CancellationToken cancellationToken)
    {
        var destination = FullPath(repositoryId, relativePath);
        if (File.Exists(destination))
        {
            // Content-addressed: the same name is the same content. Drain nothing, change nothing.
            return StoreResult.AlreadyStored;
        }

        var quota = options.Value.QuotaBytesPerRepo;
        var used = (await UsageAsync(repositoryId, cancellationToken)).Bytes;
        if (quota > 0 && declaredLength is { } length && used + length > quota)
        {
            return StoreResult.OverQuota(used, quota);
        }

        using var upload = await HashedUpload.ReceiveAsync(body, Path.Combine(Root(repositoryId), "incoming"), HashAlgorithmName.MD5, quota > 0 ? quota - used : long.MaxValue, cancellationToken);
        if (upload is null)
        {
            return StoreResult.OverQuota(used, quota);
        }

        if (upload.Hash != md5)
        {
            return StoreResult.Mismatch($"The uploaded content's MD5 is {upload.Hash}, but the file is named {md5}: nothing was stored. Push again.");
        }

        if (!upload.MoveTo(destination))
        {
            return StoreResult.AlreadyStored;
        }

        await CountAsync(repositoryId, upload.Length, cancellationToken);
        return StoreResult.Stored;
    }

    private async Task CountAsync(long repositoryId, long bytes, CancellationToken cancellationToken)
    {
        var updated = await db.Set<StorageUsage>().Where(u => u.RepositoryId == repositoryId)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Objects, x => x.Objects + 1).SetProperty(x => x.Bytes, x => x.Bytes + bytes), cancellationToken);
        if (updated == 0)
        {
            db.Set<StorageUsage>().Add(new StorageUsage { RepositoryId = repositoryId, Objects = 1, Bytes = bytes });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another upload created the row first: count against it.
                db.ChangeTracker.Clear();
                await CountAsync(repositoryId, bytes, cancellationToken);
            }
        }
    }

    private string Root(long repositoryId) => dataDir.DvcStoragePath(repositoryId);

    [GeneratedRegex("^(?:files/md5/)?(?<a>[0-9a-f]{2})/(?<b>[0-9a-f]{30})(?:\\.dir)?$")]
    private static partial Regex ObjectPath();
}

public sealed record StoreResult(StoreOutcome Outcome, string? Message)
{
    public static StoreResult Stored { get; } = new(StoreOutcome.Stored, null);

    public static StoreResult AlreadyStored { get; } = new(StoreOutcome.AlreadyStored, null);

    public static StoreResult Mismatch(string message) => new(StoreOutcome.Mismatch, message);

    public static StoreResult OverQuota(long used, long quota) =>
        new(StoreOutcome.OverQuota, $"This repository's storage is full: {used:N0} of {quota:N0} bytes used. Remove data or ask an admin to raise Portal:Storage:QuotaBytesPerRepo.");
}

public enum StoreOutcome
{
    Stored,
    AlreadyStored,
    Mismatch,
    OverQuota,
}
