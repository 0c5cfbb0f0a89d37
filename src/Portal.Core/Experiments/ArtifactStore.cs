using System.Collections.Concurrent;
using System.Security.Cryptography;
using Portal.Core.Hosting;
using Portal.Core.Storage;

namespace Portal.Core.Experiments;

/// <summary>
/// A repository's MLflow artifact store, what a stock MLflow server keeps under --artifacts-destination: files at the
/// paths the client names (&lt;experiment&gt;/&lt;run&gt;/artifacts/…), in the data folder. An upload streams to a temporary
/// file and is renamed into place only once complete, replacing what was there: a cut upload leaves nothing. Stored
/// bytes count against the repository's <see cref="StorageQuota"/>, and a replaced or deleted file gives its bytes back.
/// </summary>
public sealed class ArtifactStore(DataDirectory dataDir, StorageQuota quota)
{
    /// <summary>
    /// One lock per repository around what changes the counters (stat the old file, rename or delete, count), so two
    /// uploads of one path cannot both give back the same old bytes. Receiving the body happens outside it.
    /// </summary>
    private readonly ConcurrentDictionary<long, SemaphoreSlim> changes = new();

    public ArtifactEntry? Find(long repositoryId, ArtifactPath path)
    {
        var full = FullPath(repositoryId, path);
        if (File.Exists(full))
        {
            return new ArtifactEntry(path.Name, false, new FileInfo(full).Length);
        }

        return Directory.Exists(full) ? new ArtifactEntry(path.Name, true, null) : null;
    }

    /// <summary>A folder's files and folders by name (ordinal, as MLflow sorts them); empty when it is not a folder.</summary>
    public IReadOnlyList<ArtifactEntry> List(long repositoryId, ArtifactPath folder)
    {
        var directory = new DirectoryInfo(FullPath(repositoryId, folder));
        if (!directory.Exists)
        {
            return [];
        }

        return [.. directory.EnumerateFileSystemInfos()
            .Select(info => info is FileInfo file ? new ArtifactEntry(file.Name, false, file.Length) : new ArtifactEntry(info.Name, true, null))
            .OrderBy(entry => entry.Name, StringComparer.Ordinal)];
    }

    public Stream OpenRead(long repositoryId, ArtifactPath path) =>
        new FileStream(FullPath(repositoryId, path), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, useAsync: true);

    public string FullPath(long repositoryId, ArtifactPath path) => path.Under(FilesRoot(repositoryId));

    /// <summary>
    /// Stores <paramref name="body"/> at <paramref name="path"/>, replacing a file there (as MLflow's log_artifact does).
    /// Fails with <see cref="PortalErrorKind.InsufficientStorage"/> when it does not fit the quota (judged by the
    /// announced length first, then by the bytes as they arrive) and keeps nothing. Returns the stored length.
    /// </summary>
    public async Task<Outcome<long>> PutAsync(long repositoryId, ArtifactPath path, long? declaredLength, Stream body, CancellationToken cancellationToken)
    {
        if (path.IsRoot)
        {
            return PortalError.Invalid("Name the file to upload: PUT …/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<file>.");
        }

        if (Obstacle(repositoryId, path) is { } obstacle)
        {
            return obstacle;
        }

        var destination = FullPath(repositoryId, path);
        var remaining = await quota.RemainingAsync(repositoryId, cancellationToken);
        // Replacing a file frees its bytes first.
        var allowed = remaining == long.MaxValue ? long.MaxValue : remaining + SizeOf(destination);
        if (declaredLength > allowed)
        {
            return await FullAsync(repositoryId, cancellationToken);
        }

        using var upload = await HashedUpload.ReceiveAsync(body, Path.Combine(dataDir.MlflowArtifactsPath(repositoryId), "incoming"), HashAlgorithmName.SHA256, allowed, cancellationToken);
        if (upload is null)
        {
            return await FullAsync(repositoryId, cancellationToken);
        }

        var gate = changes.GetOrAdd(repositoryId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Checked again: another request may have made a folder of this name meanwhile.
            if (Obstacle(repositoryId, path) is { } late)
            {
                return late;
            }

            var replaced = File.Exists(destination) ? SizeOf(destination) : (long?)null;
            upload.MoveTo(destination, replace: true);
            await quota.AdjustAsync(repositoryId, StorageKind.Artifact, replaced is null ? 1 : 0, upload.Length - (replaced ?? 0), CancellationToken.None);
            return upload.Length;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Deletes a file, or a folder with everything in it; a path with nothing there is already deleted (as in MLflow).</summary>
    public async Task<Outcome<bool>> DeleteAsync(long repositoryId, ArtifactPath path, CancellationToken cancellationToken)
    {
        if (path.IsRoot)
        {
            return PortalError.Invalid("Name what to delete: DELETE …/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts[/<path>].");
        }

        var full = FullPath(repositoryId, path);
        var gate = changes.GetOrAdd(repositoryId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(full))
            {
                var size = SizeOf(full);
                File.Delete(full);
                await quota.AdjustAsync(repositoryId, StorageKind.Artifact, -1, -size, CancellationToken.None);
            }
            else if (Directory.Exists(full))
            {
                // Renamed out of the store first: a half-deleted folder is never listed, and the count matches what left.
                var doomed = Path.Combine(dataDir.MlflowArtifactsPath(repositoryId), "incoming", $"deleted-{Guid.NewGuid():N}");
                Directory.CreateDirectory(Path.GetDirectoryName(doomed)!);
                Directory.Move(full, doomed);
                var files = new DirectoryInfo(doomed).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
                await quota.AdjustAsync(repositoryId, StorageKind.Artifact, -files.Count, -files.Sum(f => f.Length), CancellationToken.None);
                Directory.Delete(doomed, recursive: true);
            }

            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private string FilesRoot(long repositoryId) => Path.Combine(dataDir.MlflowArtifactsPath(repositoryId), "files");

    /// <summary>Why nothing can be stored at <paramref name="path"/>: it is a folder, or one of its parents is a file.</summary>
    private PortalError? Obstacle(long repositoryId, ArtifactPath path)
    {
        if (Directory.Exists(FullPath(repositoryId, path)))
        {
            return PortalError.Invalid($"'{path}' is a folder of artifacts: upload to a file inside it, or delete it first.");
        }

        var parent = ArtifactPath.Root;
        foreach (var segment in path.Segments.SkipLast(1))
        {
            parent = parent.Append(segment);
            if (File.Exists(FullPath(repositoryId, parent)))
            {
                return PortalError.Invalid($"'{parent}' is a file, so it cannot hold '{path}': delete it first, or choose another path.");
            }
        }

        return null;
    }

    private static long SizeOf(string file) => File.Exists(file) ? new FileInfo(file).Length : 0;

    private async Task<PortalError> FullAsync(long repositoryId, CancellationToken cancellationToken) =>
        new(PortalErrorKind.InsufficientStorage, await quota.FullMessageAsync(repositoryId, cancellationToken));
}

/// <summary>A file (with its size) or a folder in an artifact store.</summary>
public sealed record ArtifactEntry(string Name, bool IsDirectory, long? Size);
