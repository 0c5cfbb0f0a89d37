using System.Security.Cryptography;
using Portal.Core.Hosting;

namespace Portal.Core.Lfs;

/// <summary>
/// Git LFS objects of one repository, content-addressed as git-lfs lays them out (objects/aa/bb/&lt;sha256&gt;), so objects a
/// mirror fetched with git-lfs and objects pushed to Portal live in one place. Uploads stream to a temporary file while
/// hashing and are renamed into place only when the SHA-256 matches: a wrong or cut-off upload stores nothing.
/// </summary>
public sealed class LfsObjectStore(DataDirectory dataDir)
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

    public async Task<Outcome<long>> StoreAsync(long repositoryId, string oid, long? expectedSize, Stream body, CancellationToken cancellationToken)
    {
        var destination = PathOf(repositoryId, oid);
        var temporary = Path.Combine(dataDir.LfsStoragePath(repositoryId), "incoming", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
        try
        {
            long length = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    length += read;
                }

                await file.FlushAsync(cancellationToken);
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != oid)
            {
                return PortalError.Invalid($"The uploaded content's SHA-256 is {actual}, not {oid}: nothing was stored. Upload the object again.");
            }

            if (expectedSize is { } size && size != length)
            {
                return PortalError.Invalid($"The upload has {length} bytes but the object was announced with {size}: nothing was stored.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (!File.Exists(destination))
            {
                File.Move(temporary, destination);
            }

            return length;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
