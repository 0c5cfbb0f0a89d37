using System.Text;

namespace Portal.Core.Lfs;

/// <summary>
/// A Git LFS pointer file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md): the object a blob in git stands
/// for. Parsed strictly: the version line first, then "key value" lines each ending in a newline, with exactly one
/// sha256 oid and one size. Anything else is an ordinary small file.
/// </summary>
public sealed record LfsPointer(string Oid, long Size)
{
    /// <summary>Pointer files are smaller than this (git-lfs's own cut-off); larger blobs are never pointers.</summary>
    public const int MaxPointerBytes = 1024;

    /// <summary>
    /// The shortest pointer <see cref="TryParse"/> accepts: the shorter version line (42 bytes, "version
    /// https://hawser.github.com/spec/v1\n"), the sha256 oid line (76) and "size 0\n" (7). Smaller blobs are never read
    /// when a whole repository is searched for pointers.
    /// </summary>
    public const int MinPointerBytes = 125;

    private static readonly string[] Versions = ["https://git-lfs.github.com/spec/v1", "https://hawser.github.com/spec/v1"];

    public static LfsPointer? TryParse(ReadOnlySpan<byte> content)
    {
        if (content.Length is 0 or >= MaxPointerBytes || content[^1] != (byte)'\n' || !content.StartsWith("version "u8))
        {
            return null;
        }

        string? oid = null;
        long? size = null;
        var text = Encoding.ASCII.GetString(content[..^1]);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var space = lines[i].IndexOf(' ');
            if (space <= 0 || lines[i].Any(c => c is < ' ' or > '~'))
            {
                return null;
            }

            var (key, value) = (lines[i][..space], lines[i][(space + 1)..]);
            switch (key)
            {
                case "version" when i == 0:
                    if (!Versions.Contains(value, StringComparer.Ordinal))
                    {
                        return null;
                    }

                    break;
                case "version":
                    return null;
                case "oid" when oid is null && value.StartsWith("sha256:", StringComparison.Ordinal) && LfsObjectStore.IsValidOid(value[7..]):
                    oid = value[7..];
                    break;
                case "size" when size is null && value.Length is > 0 and <= 19 && value.All(char.IsAsciiDigit) && long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed):
                    size = parsed;
                    break;
                case "oid" or "size":
                    return null;
                default:
                    // Extensions (ext-0-name sha256:…) and keys of later spec versions: allowed, not needed to fetch.
                    if (i == 0 || !key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-'))
                    {
                        return null;
                    }

                    break;
            }
        }

        return oid is not null && size is not null ? new LfsPointer(oid, size.Value) : null;
    }
}
