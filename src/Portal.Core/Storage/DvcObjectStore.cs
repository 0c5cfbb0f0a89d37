using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Portal.Core.Hosting;

namespace Portal.Core.Storage;

/// <summary>
/// A repository's DVC storage remote: content-addressed files exactly where DVC's HTTP remote asks for them
/// (DVC 3: files/md5/ab/cdef…; DVC 2: ab/cdef…; directory manifests end in .dir). An upload streams to a temporary
/// file while its MD5 is computed, and is renamed into place only if the MD5 equals the name: a wrong or cut-off
/// upload stores nothing. A directory manifest (&lt;md5&gt;.dir) is stored only if it is one (<see cref="DvcDirManifest"/>).
/// Stored bytes count against the repository's <see cref="StorageQuota"/>.
/// See https://dvc.org/doc/user-guide/data-management/remote-storage/http.
/// </summary>
public sealed partial class DvcObjectStore(DataDirectory dataDir, StorageQuota quota)
{
    /// <summary>Maps a request path to a stored file, or null when it is not a DVC object path.</summary>
    public static (string RelativePath, string Md5)? ParsePath(string? path)
    {
        var match = ObjectPath().Match(path ?? "");
        return match.Success ? (match.Value, match.Groups["a"].Value + match.Groups["b"].Value) : null;
    }

    public string FullPath(long repositoryId, string relativePath) => Path.Combine(Root(repositoryId), relativePath);

    public bool Exists(long repositoryId, string relativePath) => File.Exists(FullPath(repositoryId, relativePath));

    /// <summary>
    /// Where the object DVC names <paramref name="md5"/> is stored, or null when it is not: DVC 3 pushes to
    /// files/md5/…, outputs DVC 2 hashed (no <c>hash: md5</c> in their .dvc or dvc.lock entry) to the legacy layout at
    /// the top. Either holds content whose name is its hash, so whichever is there serves.
    /// </summary>
    public string? Locate(long repositoryId, string md5, bool isDirectory)
    {
        if (!IsMd5(md5))
        {
            return null;
        }

        var suffix = isDirectory ? ".dir" : "";
        return new[] { $"files/md5/{md5[..2]}/{md5[2..]}{suffix}", $"{md5[..2]}/{md5[2..]}{suffix}" }
            .Select(path => FullPath(repositoryId, path)).FirstOrDefault(File.Exists);
    }

    /// <summary>32 lower-case hex digits, as DVC names objects.</summary>
    public static bool IsMd5(string value) => value.Length == 32 && value.All(char.IsAsciiHexDigitLower);

    public async Task<StoreResult> StoreAsync(long repositoryId, string relativePath, string md5, long? declaredLength, Stream body, CancellationToken cancellationToken)
    {
        var destination = FullPath(repositoryId, relativePath);
        if (File.Exists(destination))
        {
            // Content-addressed: the same name is the same content. Drain nothing, change nothing.
            return StoreResult.AlreadyStored;
        }

        var remaining = await quota.RemainingAsync(repositoryId, cancellationToken);
        if (declaredLength > remaining)
        {
            return StoreResult.OverQuota(await quota.FullMessageAsync(repositoryId, cancellationToken));
        }

        using var upload = await HashedUpload.ReceiveAsync(body, Path.Combine(Root(repositoryId), "incoming"), HashAlgorithmName.MD5, remaining, cancellationToken);
        if (upload is null)
        {
            return StoreResult.OverQuota(await quota.FullMessageAsync(repositoryId, cancellationToken));
        }

        if (upload.Hash != md5)
        {
            return StoreResult.Mismatch($"The uploaded content's MD5 is {upload.Hash}, but the file is named {md5}: nothing was stored. Push again.");
        }

        if (relativePath.EndsWith(".dir", StringComparison.Ordinal))
        {
            await using var manifest = upload.OpenRead();
            if (await DvcDirManifest.ProblemAsync(manifest, cancellationToken) is { } problem)
            {
                return StoreResult.Mismatch($"{problem} Nothing was stored.");
            }
        }

        if (!upload.MoveTo(destination))
        {
            return StoreResult.AlreadyStored;
        }

        await quota.CountAsync(repositoryId, StorageKind.Dvc, upload.Length, cancellationToken);
        return StoreResult.Stored;
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

    public static StoreResult OverQuota(string message) => new(StoreOutcome.OverQuota, message);
}

public enum StoreOutcome
{
    Stored,
    AlreadyStored,
    Mismatch,
    OverQuota,
}
