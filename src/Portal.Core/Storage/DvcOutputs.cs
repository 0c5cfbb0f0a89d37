namespace Portal.Core.Storage;

/// <summary>
/// A file or directory DVC tracks, as a .dvc file or dvc.lock in the repository records it: its path in the
/// repository, its object's MD5 (a directory's is its manifest's, &lt;md5&gt;.dir), the size and file count DVC noted,
/// and where it was declared (for people: "data/raw.dvc", "dvc.lock, stage train").
/// </summary>
public sealed record DvcOutput(string Path, string Md5, bool IsDirectory, long? Size, long? Files, string Source);

/// <summary>Reads the outputs a .dvc file (<c>outs:</c>) or a dvc.lock (<c>stages: &lt;name&gt;: outs:</c>) declares.</summary>
public static class DvcOutputs
{
    public const string LockFileName = "dvc.lock";

    /// <summary>Whether a file of this name declares outputs DVC tracks.</summary>
    public static bool Declares(string fileName) =>
        fileName == LockFileName || (fileName.EndsWith(".dvc", StringComparison.Ordinal) && fileName.Length > 4);

    /// <summary>
    /// The outputs <paramref name="text"/> declares, the file being at <paramref name="filePath"/> (repository-relative);
    /// outputs whose path leaves the repository, or entries without an MD5 (e.g. cloud-versioned ones), are left out.
    /// Throws <see cref="FormatException"/> when the file is not YAML DVC could have written.
    /// </summary>
    public static IReadOnlyList<DvcOutput> Read(string filePath, string text)
    {
        var slash = filePath.LastIndexOf('/');
        var directory = slash < 0 ? "" : filePath[..slash];
        var fileName = filePath[(slash + 1)..];
        var root = DvcYaml.Parse(text);
        if (root is null)
        {
            return [];
        }

        if (root is not YamlMapping)
        {
            throw new FormatException($"{filePath} is not a mapping.");
        }

        if (fileName != LockFileName)
        {
            return [.. Outputs(root["outs"], directory, filePath)];
        }

        // dvc.lock 2.0 lists stages under "stages"; the 1.0 format had the stages at the top.
        var stages = root["schema"] is null ? root : root["stages"];
        return stages is YamlMapping mapping
            ? [.. mapping.Entries.SelectMany(stage => Outputs(stage.Value["outs"], directory, $"{filePath}, stage {stage.Key}"))]
            : [];
    }

    private static IEnumerable<DvcOutput> Outputs(YamlNode? outs, string directory, string source)
    {
        if (outs is not YamlSequence sequence)
        {
            yield break;
        }

        foreach (var entry in sequence.Items)
        {
            var md5 = entry["md5"]?.Text;
            var path = entry["path"]?.Text is { } relative ? Combine(directory, relative) : null;
            if (md5 is null || path is null)
            {
                continue;
            }

            var isDirectory = md5.EndsWith(".dir", StringComparison.Ordinal);
            md5 = isDirectory ? md5[..^4] : md5;
            if (DvcObjectStore.IsMd5(md5))
            {
                yield return new DvcOutput(path, md5, isDirectory, entry["size"]?.Number, entry["nfiles"]?.Number, source);
            }
        }
    }

    /// <summary>A path relative to <paramref name="directory"/> made repository-relative; null when it is absolute or leaves the repository.</summary>
    public static string? Combine(string directory, string relative)
    {
        if (relative.Length == 0 || relative.StartsWith('/') || relative.Contains('\\') || (relative.Length > 1 && relative[1] == ':') || relative.Any(char.IsControl))
        {
            return null;
        }

        var parts = new List<string>(directory.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return parts.Count == 0 ? null : string.Join('/', parts);
    }
}
