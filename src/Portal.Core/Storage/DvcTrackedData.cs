using Portal.Core.Browsing;

namespace Portal.Core.Storage;

/// <summary>
/// A file or folder the Files tab shows for DVC: an output (<see cref="Md5"/> set), a file inside a directory output
/// (from its manifest), or a folder that only holds data. <see cref="Present"/>: its object (a directory's manifest) is
/// in this repository's storage.
/// </summary>
public sealed record DvcDataEntry(string Name, string Path, bool IsDirectory, long? Size, long? Files, string? Md5, bool Present, string Source);

/// <summary>What the Files tab shows of DVC-tracked data in one folder, and a note when part of it cannot be shown.</summary>
public sealed record DvcDataListing(IReadOnlyList<DvcDataEntry> Entries, string? Notice)
{
    public static DvcDataListing Empty { get; } = new([], null);
}

/// <summary>
/// DVC-tracked data where it belongs in a commit's tree, as DagsHub shows it: the outputs that the .dvc files and
/// dvc.lock files of a folder and of its parents declare, and inside a directory output the files its manifest lists
/// (read from storage, streamed and checked, never trusted). Only the folder being viewed and its parents are read,
/// each at most once per commit (<see cref="BrowsingCache"/>), so a large tree costs what a shallow one does.
/// </summary>
public sealed class DvcTrackedData(RepositoryBrowser browser, BrowsingCache cache, DvcObjectStore store)
{
    /// <summary>Files declaring outputs read per folder; a folder with more shows the outputs of the first ones.</summary>
    public const int MaxDeclaringFiles = 200;

    /// <summary>Entries shown for one folder of a directory output.</summary>
    public const int MaxListed = 1000;

    /// <summary>The largest manifest read for the Files tab (a million files' manifest is about 80 MB).</summary>
    public const long MaxManifestBytes = 128L * 1024 * 1024;

    /// <summary>
    /// The data to show in <paramref name="folder"/> ("" for the root) of <paramref name="commit"/>, less the folders
    /// git already lists there (<paramref name="shownByGit"/>).
    /// </summary>
    public async Task<DvcDataListing> ListAsync(long repositoryId, string commit, string folder, IReadOnlyList<TreeEntry>? shownByGit, CancellationToken cancellationToken)
    {
        folder = folder.Trim('/');
        var outputs = await OutputsAboveAsync(repositoryId, commit, folder, cancellationToken);
        var entries = new Dictionary<string, DvcDataEntry>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            if (Parent(output.Path) == folder)
            {
                entries[output.Path] = Describe(repositoryId, output);
            }
            else if (Below(output.Path, folder) is { } inside && inside.Contains('/'))
            {
                var name = inside[..inside.IndexOf('/')];
                var path = Join(folder, name);
                entries.TryAdd(path, new DvcDataEntry(name, path, true, null, null, null, false, output.Source));
            }
        }

        string? notice = null;
        var within = outputs.Where(o => o.IsDirectory && (o.Path == folder || Below(folder, o.Path) is not null)).MaxBy(o => o.Path.Length);
        if (within is not null)
        {
            notice = await ListManifestAsync(repositoryId, within, folder, entries, cancellationToken);
        }

        var gitFolders = (shownByGit ?? Array.Empty<TreeEntry>()).Where(e => e.Kind == TreeEntryKind.Directory).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        return new DvcDataListing([.. entries.Values.Where(e => !(e.Md5 is null && e.IsDirectory && gitFolders.Contains(e.Name))).OrderBy(e => e.IsDirectory ? 0 : 1).ThenBy(e => e.Name, StringComparer.OrdinalIgnoreCase)], notice);
    }

    /// <summary>The tracked file at <paramref name="path"/> of <paramref name="commit"/> and where its object is stored (null when not stored).</summary>
    public async Task<(DvcDataEntry Entry, string? StoredAt)?> FindFileAsync(long repositoryId, string commit, string path, CancellationToken cancellationToken)
    {
        path = path.Trim('/');
        var listing = await ListAsync(repositoryId, commit, Parent(path), null, cancellationToken);
        var entry = listing.Entries.FirstOrDefault(e => e.Path == path && !e.IsDirectory && e.Md5 is not null);
        if (entry is null)
        {
            return null;
        }

        return (entry, store.Locate(repositoryId, entry.Md5!, isDirectory: false));
    }

    private DvcDataEntry Describe(long repositoryId, DvcOutput output) =>
        new(output.Path[(output.Path.LastIndexOf('/') + 1)..], output.Path, output.IsDirectory, output.Size, output.Files, output.Md5,
            store.Locate(repositoryId, output.Md5, output.IsDirectory) is not null, output.Source);

    /// <summary>Adds the entries of <paramref name="folder"/> inside the directory output <paramref name="output"/>; returns a notice when they cannot all be shown.</summary>
    private async Task<string?> ListManifestAsync(long repositoryId, DvcOutput output, string folder, Dictionary<string, DvcDataEntry> entries, CancellationToken cancellationToken)
    {
        var manifest = store.Locate(repositoryId, output.Md5, isDirectory: true);
        if (manifest is null)
        {
            return $"{output.Path} is a DVC directory whose list of files ({output.Md5}.dir) is not in this repository's storage: run `dvc push` to send it.";
        }

        if (new FileInfo(manifest).Length > MaxManifestBytes)
        {
            return $"{output.Path} lists too many files to show here ({output.Md5}.dir is over {MaxManifestBytes / (1024 * 1024)} MB): use `dvc pull`.";
        }

        var prefix = folder == output.Path ? "" : folder[(output.Path.Length + 1)..] + "/";
        var hidden = 0;
        try
        {
            await using var stream = new FileStream(manifest, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            await foreach (var file in DvcDirManifest.ReadAsync(stream, cancellationToken))
            {
                if (!file.RelPath.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var rest = file.RelPath[prefix.Length..];
                var slash = rest.IndexOf('/');
                var name = slash < 0 ? rest : rest[..slash];
                var path = Join(folder, name);
                if (entries.ContainsKey(path))
                {
                    continue;
                }

                if (entries.Count >= MaxListed)
                {
                    hidden++;
                    continue;
                }

                entries[path] = slash < 0
                    ? new DvcDataEntry(name, path, false, file.Size, null, file.Md5, store.Locate(repositoryId, file.Md5, isDirectory: false) is not null, output.Source)
                    : new DvcDataEntry(name, path, true, null, null, null, true, output.Source);
            }
        }
        catch (InvalidDataException exception)
        {
            return $"The list of files of {output.Path} in storage is not valid, so it is not shown: {exception.Message}";
        }

        return hidden > 0 ? $"{hidden:N0} more entries of this folder are not shown: use `dvc pull` to get them all." : null;
    }

    /// <summary>The outputs declared in <paramref name="folder"/> and in each folder above it.</summary>
    private async Task<IReadOnlyList<DvcOutput>> OutputsAboveAsync(long repositoryId, string commit, string folder, CancellationToken cancellationToken)
    {
        var outputs = new List<DvcOutput>();
        var current = "";
        foreach (var part in folder.Split('/', StringSplitOptions.RemoveEmptyEntries).Prepend(""))
        {
            current = Join(current, part);
            var declared = current;
            outputs.AddRange(await cache.GetOrAddAsync("dvc-outputs", repositoryId, commit, declared, () => DeclaredInAsync(repositoryId, commit, declared, cancellationToken)));
        }

        return outputs;
    }

    /// <summary>The outputs the .dvc and dvc.lock files directly in <paramref name="folder"/> declare; unreadable ones are skipped.</summary>
    private async Task<IReadOnlyList<DvcOutput>> DeclaredInAsync(long repositoryId, string commit, string folder, CancellationToken cancellationToken)
    {
        var tree = await browser.TreeAsync(repositoryId, commit, folder, cancellationToken);
        var outputs = new List<DvcOutput>();
        foreach (var file in (tree ?? Array.Empty<TreeEntry>()).Where(e => e.Kind == TreeEntryKind.File && DvcOutputs.Declares(e.Name) && e.Size <= RepositoryBrowser.MaxDisplayBytes).Take(MaxDeclaringFiles))
        {
            var blob = await browser.BlobAsync(repositoryId, commit, file.Path, cancellationToken);
            if (blob is not { Kind: BlobKind.Text, Truncated: false, Text: { } text })
            {
                continue;
            }

            try
            {
                outputs.AddRange(DvcOutputs.Read(file.Path, text));
            }
            catch (FormatException)
            {
                // Not YAML DVC wrote: DVC itself would refuse it; the file still shows as a file.
            }
        }

        return outputs;
    }

    private static string Parent(string path) => path.Contains('/') ? path[..path.LastIndexOf('/')] : "";

    private static string Join(string folder, string name) => folder.Length == 0 ? name : $"{folder}/{name}";

    /// <summary>The part of <paramref name="path"/> below <paramref name="folder"/>, or null when it is not below it.</summary>
    private static string? Below(string path, string folder) =>
        folder.Length == 0 ? path : path.StartsWith(folder + "/", StringComparison.Ordinal) ? path[(folder.Length + 1)..] : null;
}
