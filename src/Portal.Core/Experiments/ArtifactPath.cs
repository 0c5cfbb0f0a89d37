using System.Text;

namespace Portal.Core.Experiments;

/// <summary>
/// A path in a repository's MLflow artifact store as the client names it ("&lt;experiment&gt;/&lt;run&gt;/artifacts/model.pkl"),
/// checked before it reaches the disk: relative, '/'-separated, no '.' or '..' or empty part, no backslash, no control
/// character (NUL included), and the same once percent-decoded (a route value keeps an encoded "%2F"). MLflow's server
/// refuses such paths too (validate_path_is_safe), with INVALID_PARAMETER_VALUE.
/// </summary>
public sealed record ArtifactPath
{
    /// <summary>Linux's limit on one file name, in bytes.</summary>
    public const int MaxNameBytes = 255;

    public const int MaxLength = 1024;

    private ArtifactPath(string value)
    {
        Value = value;
    }

    /// <summary>The whole store: what a listing without a path shows.</summary>
    public static ArtifactPath Root { get; } = new("");

    /// <summary>The path without a leading or trailing '/'; empty for <see cref="Root"/>.</summary>
    public string Value { get; }

    public bool IsRoot => Value.Length == 0;

    /// <summary>The last part: the file or folder name.</summary>
    public string Name => Value[(Value.LastIndexOf('/') + 1)..];

    public IEnumerable<string> Segments => IsRoot ? [] : Value.Split('/');

    /// <summary>The path as sent; one trailing '/' is allowed (a client names a folder so), nothing else is changed.</summary>
    public static Outcome<ArtifactPath> Parse(string? path)
    {
        var trimmed = path is { Length: > 0 } && path[^1] == '/' ? path[..^1] : path ?? "";
        if (trimmed.Length == 0)
        {
            return Root;
        }

        var decoded = trimmed.Contains('%') ? Uri.UnescapeDataString(trimmed) : trimmed;
        return trimmed.Length <= MaxLength && IsSafe(trimmed) && IsSafe(decoded)
            ? new ArtifactPath(trimmed)
            : PortalError.Invalid($"Invalid path '{Printable(path!)}': an artifact path is relative and '/'-separated, at most {MaxLength} characters, with no '.', '..' or empty part, no backslash and no control character.");
    }

    public ArtifactPath Append(string name) => new(IsRoot ? name : $"{Value}/{name}");

    /// <summary>This path's location below <paramref name="root"/>: checked parts only, so it never leaves the root.</summary>
    public string Under(string root) => IsRoot ? root : Path.Combine(Segments.Prepend(root).ToArray());

    public override string ToString() => Value;

    private static bool IsSafe(string path) =>
        !path.Any(c => char.IsControl(c) || c == '\\')
        && path.Split('/').All(segment => segment is not ("" or "." or "..") && Encoding.UTF8.GetByteCount(segment) <= MaxNameBytes);

    /// <summary>The refused path as it may appear in a message: control characters shown as escapes.</summary>
    private static string Printable(string path)
    {
        var shown = new StringBuilder();
        foreach (var c in path.Length > MaxLength ? path[..MaxLength] + "…" : path)
        {
            shown.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return shown.ToString();
    }
}
