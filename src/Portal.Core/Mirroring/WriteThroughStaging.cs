using Portal.Core.Hosting;
using Portal.Core.Repositories;
using Portal.Git;

namespace Portal.Core.Mirroring;

/// <summary>
/// Where a push to a write-through mirror lands first: a temporary bare repository beside the mirror (in tmp/) that
/// borrows the mirror's objects (objects/info/alternates) and holds only the refs the push names, at the mirror's
/// values. git receive-pack runs there with Portal's own checks (ref names, protected branches, fsck), so the pushed
/// objects and refs live outside the mirror until the upstream has accepted them; the mirror itself never holds a
/// commit the upstream refused. Disposing deletes it.
/// </summary>
public sealed class WriteThroughStaging(LocalRepository local, DataDirectory dataDir)
{
    public async Task<StagedPush> CreateAsync(long repositoryId, IReadOnlyList<PushCommand> commands, CancellationToken cancellationToken)
    {
        var mirrorPath = dataDir.RepositoryPath(repositoryId);
        var path = Path.Combine(dataDir.TempPath, $"write-through-{repositoryId}-{Guid.NewGuid():N}.git");
        var staged = new StagedPush(path, mirrorPath);
        try
        {
            await local.InitBareAsync(path, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(path, "objects", "info", "alternates"), Path.Combine(mirrorPath, "objects") + "\n", cancellationToken);
            var mirror = await local.ReadRefsAsync(mirrorPath, cancellationToken);
            staged.Before = mirror;
            if (mirror.Head is { } head)
            {
                await local.SetHeadAsync(path, head, cancellationToken);
            }

            // Each pushed ref at the mirror's value, so receive-pack checks the client's old values against the mirror.
            await local.UpdateRefsAsync(
                path,
                [.. commands.Select(c => c.RefName).Distinct(StringComparer.Ordinal).Where(mirror.Refs.ContainsKey).Select(name => new RefUpdate(name, OldSha: null, mirror.Refs[name]))],
                cancellationToken);

            return staged;
        }
        catch
        {
            await staged.DisposeAsync();
            throw;
        }
    }
}

/// <summary>A push held in a staging repository until the upstream answers.</summary>
public sealed class StagedPush(string path, string mirrorPath) : IAsyncDisposable
{
    public string Path { get; } = path;

    /// <summary>The mirror's refs when the push arrived.</summary>
    public RefSnapshot Before { get; internal set; } = RefSnapshot.Empty;

    /// <summary>
    /// Moves the objects the push brought (kept as packs: receive.unpackLimit is 1) into the mirror, unreferenced, so
    /// fetching them back from the upstream transfers nothing. Called only when the upstream accepted every ref.
    /// </summary>
    public void CopyObjectsToMirror()
    {
        var from = System.IO.Path.Combine(Path, "objects", "pack");
        var to = System.IO.Path.Combine(mirrorPath, "objects", "pack");
        if (!Directory.Exists(from))
        {
            return;
        }

        Directory.CreateDirectory(to);
        // The .idx last: git sees a pack once its index is there.
        foreach (var file in Directory.EnumerateFiles(from, "pack-*").OrderBy(f => f.EndsWith(".idx", StringComparison.Ordinal)))
        {
            var destination = System.IO.Path.Combine(to, System.IO.Path.GetFileName(file));
            if (!File.Exists(destination))
            {
                var temporary = System.IO.Path.Combine(to, "tmp_" + Guid.NewGuid().ToString("N"));
                File.Copy(file, temporary);
                File.Move(temporary, destination);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Housekeeping removes what is left in tmp/.
        }

        return ValueTask.CompletedTask;
    }
}
