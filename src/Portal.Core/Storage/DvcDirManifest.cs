using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Core.Storage;

/// <summary>One file of a DVC directory: its object's MD5 and its path inside the directory ('/'-separated).</summary>
public sealed record DvcManifestEntry(string Md5, string RelPath, long? Size);

/// <summary>
/// A DVC directory manifest (the object named &lt;md5&gt;.dir): the JSON list dvc-data writes
/// (<c>Tree.as_bytes</c>: <c>[{"md5": …, "relpath": …}, …]</c>, optionally with the file's metadata fields). Read as a
/// stream, one entry at a time, so a manifest of a million files costs no more memory than one of ten. Anything else
/// (another shape, an unknown field, an MD5 that is not 32 hex digits, a path that is absolute or climbs out with
/// "..") is refused on upload and never trusted when read for the Files tab.
/// </summary>
public static class DvcDirManifest
{
    private const int MaxRelPathLength = 4096;

    private static readonly JsonSerializerOptions Options = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 4,
    };

    /// <summary>The entries, in the manifest's order; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static async IAsyncEnumerable<DvcManifestEntry> ReadAsync(Stream json, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var index = 0;
        await using var entries = Entries(json, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            Entry? entry;
            try
            {
                if (!await entries.MoveNextAsync())
                {
                    yield break;
                }

                entry = entries.Current;
            }
            catch (JsonException exception)
            {
                throw new InvalidDataException($"A DVC directory manifest is a JSON list of {{\"md5\", \"relpath\"}} entries; this one is not ({exception.Message}).", exception);
            }

            yield return Check(entry, index++);
        }
    }

    /// <summary>Why <paramref name="json"/> is not a valid manifest, or null when it is.</summary>
    public static async Task<string?> ProblemAsync(Stream json, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in ReadAsync(json, cancellationToken))
            {
            }

            return null;
        }
        catch (InvalidDataException exception)
        {
            return exception.Message;
        }
    }

    /// <summary>A relpath DVC could have written: relative, '/'-separated, no empty, "." or ".." part, no control character.</summary>
    public static bool IsSafeRelativePath(string path) =>
        path.Length is > 0 and <= MaxRelPathLength
        && !path.Any(char.IsControl)
        && path.Split('/').All(part => part.Length > 0 && part is not "." and not "..");

    private static IAsyncEnumerable<Entry?> Entries(Stream json, CancellationToken cancellationToken) =>
        JsonSerializer.DeserializeAsyncEnumerable<Entry>(json, Options, cancellationToken);

    private static DvcManifestEntry Check(Entry? entry, int index)
    {
        if (entry is null)
        {
            throw new InvalidDataException($"Entry {index} of the DVC directory manifest is null: each entry is {{\"md5\", \"relpath\"}}.");
        }

        if (entry.Md5 is not { } md5 || !DvcObjectStore.IsMd5(md5))
        {
            throw new InvalidDataException($"Entry {index} of the DVC directory manifest has no valid \"md5\" (32 lower-case hex digits).");
        }

        if (entry.RelPath is not { } relPath || !IsSafeRelativePath(relPath))
        {
            throw new InvalidDataException($"Entry {index} of the DVC directory manifest has no valid \"relpath\": a relative '/'-separated path without '.' or '..' parts.");
        }

        if (entry.Size < 0)
        {
            throw new InvalidDataException($"Entry {index} of the DVC directory manifest has a negative \"size\".");
        }

        return new DvcManifestEntry(md5, relPath, entry.Size);
    }

    /// <summary>An entry as dvc-data writes it: the hash and relpath, and optionally the fields of its <c>Meta</c>.</summary>
    private sealed class Entry
    {
        [JsonPropertyName("md5")]
        public string? Md5 { get; set; }

        [JsonPropertyName("relpath")]
        public string? RelPath { get; set; }

        [JsonPropertyName("size")]
        public long? Size { get; set; }

        [JsonPropertyName("isdir")]
        public bool? IsDir { get; set; }

        [JsonPropertyName("nfiles")]
        public long? Files { get; set; }

        [JsonPropertyName("isexec")]
        public bool? IsExecutable { get; set; }

        [JsonPropertyName("version_id")]
        public string? VersionId { get; set; }

        [JsonPropertyName("etag")]
        public string? ETag { get; set; }

        [JsonPropertyName("checksum")]
        public string? Checksum { get; set; }

        [JsonPropertyName("inode")]
        public long? Inode { get; set; }

        [JsonPropertyName("mtime")]
        public double? ModifiedTime { get; set; }

        [JsonPropertyName("remote")]
        public string? Remote { get; set; }
    }
}
