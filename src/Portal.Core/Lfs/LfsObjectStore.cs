using System.Security.Cryptography;
using Portal.Core.Hosting;
using Portal.Core.Storage;

namespace Portal.Core.Lfs;

/// <summary>
/// Git LFS objects of one repository, content-addressed as git-lfs lays them out (objects/aa/bb/&lt;sha256&gt;), so objects a
/// mirror fetched and objects pushed to Portal live in one place. Uploads stream to a temporary file while
/// hashing and are renamed into place only when the SHA-256 matches: a wrong or cut-off upload stores nothing. Stored
/// bytes count against the repository's <see cref="StorageQuota"/>, shared with its DVC storage.
/// </summary>
public sealed class LfsObjectStore(DataDirectory dataDir, StorageQuota quota)
{
    public static bool IsValidOid(string? oid) => oid is { Length: 64 } && oid.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    public string PathOf(long repositoryId, string oid)
    {
        if (!IsValidOid(oid))
        {
            throw new ArgumentException("Not a SHA-256 object id.", nameof(oid));
        }

        return Path.Combine(dataDir.LfsStoragePath(repositoryId), "objects", oid[..2], oid[2..4], oid);
    }

    /// <summary>The stored size, or null when the object is not here.</summary>
    public long? SizeOf(long repositoryId, string oid)
    {
        var file = new FileInfo(PathOf(repositoryId, oid));
        return file.Exists ? file.Length : null;
    }

    /// <summary>Bytes the repository may still store (LFS and DVC together); <see cref="long.MaxValue"/> without a quota.</summary>
    public Task<long> RemainingAsync(long repositoryId, CancellationToken cancellationToken) => quota.RemainingAsync(repositoryId, cancellationToken);

    /// <summary>
    /// Stores <paramref name="body"/> as object <paramref name="oid"/> if its SHA-256 is the oid and, when
    /// <paramref name="expectedSize"/> is given, its length that size (reading stops one byte past it). Whoever sent it,
    /// a pusher or an upstream LFS server, a mismatch stores nothing. Fails with
    /// <see cref="PortalErrorKind.InsufficientStorage"/> when it does not fit the quota (judged by the announced size
    /// first, then by the bytes as they arrive).
    /// </summary>
    public async Task<Outcome<long>> StoreAsync(long repositoryId, string oid, long? expectedSize, Stream body, CancellationToken cancellationToken)
    {
        var destination = PathOf(repositoryId, oid);
        if (SizeOf(repositoryId, oid) is { } existing)
        {
            // Content-addressed: the object is here already, so there is nothing to receive or count.
            return existing;
        }

        var remaining = await quota.RemainingAsync(repositoryId, cancellationToken);
        if (expectedSize > remaining)
        {
            return new PortalError(PortalErrorKind.InsufficientStorage, await quota.FullMessageAsync(repositoryId, cancellationToken));
        }

        var limit = Math.Min(remaining, expectedSize ?? long.MaxValue);
        using var upload = await HashedUpload.ReceiveAsync(body, Path.Combine(dataDir.LfsStoragePath(repositoryId), "incoming"), HashAlgorithmName.SHA256, limit, cancellationToken);
        if (upload is null)
        {
            return expectedSize is { } announced && announced <= remaining
                ? PortalError.Invalid($"The content is longer than the {announced} bytes announced for the object: nothing was stored.")
                : new PortalError(PortalErrorKind.InsufficientStorage, await quota.FullMessageAsync(repositoryId, cancellationToken));
        }

        if (upload.Hash != oid)
        {
            return PortalError.Invalid($"The content's SHA-256 is {upload.Hash}, not {oid}: nothing was stored.");
        }

        if (expectedSize is { } size && size != upload.Length)
        {
            return PortalError.Invalid($"The content has {upload.Length} bytes but the object was announced with {size}: nothing was stored.");
        }

        // Content-addressed: if the object arrived meanwhile, the existing copy is identical (and already counted).
        if (upload.MoveTo(destination))
        {
            await quota.CountAsync(repositoryId, StorageKind.Lfs, upload.Length, cancellationToken);
        }

        return upload.Length;
    }
}
