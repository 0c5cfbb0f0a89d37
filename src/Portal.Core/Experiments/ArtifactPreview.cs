using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portal.Core.Experiments;

public enum ArtifactPreviewKind
{
    /// <summary>A raster image a browser shows as it is (never SVG, which can carry script).</summary>
    Image,

    /// <summary>UTF-8 text: the first <see cref="ArtifactPreview.MaxTextBytes"/>, JSON indented when it is whole.</summary>
    Text,

    /// <summary>Anything else: offered for download only.</summary>
    Binary,
}

/// <summary>What the run page shows of one artifact file, read with a byte cap so a large file costs no more than a small one.</summary>
public sealed record ArtifactPreview(ArtifactPreviewKind Kind, string? Text, bool Truncated)
{
    public const int MaxTextBytes = 64 * 1024;

    private static readonly Dictionary<string, string> ImageTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".bmp"] = "image/bmp",
    };

    /// <summary>Indented, and non-ASCII text left as it is: the page encodes what it shows.</summary>
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The content type to show <paramref name="fileName"/> inline as an image, or null when it is not one.</summary>
    public static string? ImageContentType(string fileName) => ImageTypes.GetValueOrDefault(Path.GetExtension(fileName));

    public static async Task<ArtifactPreview> ReadAsync(ArtifactStore store, long repositoryId, ArtifactPath path, CancellationToken cancellationToken)
    {
        if (ImageContentType(path.Name) is not null)
        {
            return new ArtifactPreview(ArtifactPreviewKind.Image, null, false);
        }

        var buffer = new byte[MaxTextBytes + 1];
        var length = 0;
        await using (var file = store.OpenRead(repositoryId, path))
        {
            int read;
            while (length < buffer.Length && (read = await file.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }
        }

        return Classify(buffer, length, path.Name);
    }

    /// <summary>Text (JSON indented when it arrived whole) or binary, from the first bytes of a file.</summary>
    private static ArtifactPreview Classify(byte[] buffer, int length, string name)
    {
        var truncated = length > MaxTextBytes;
        var bytes = buffer.AsSpan(0, Math.Min(length, MaxTextBytes));
        var text = bytes.Contains((byte)0) ? null : Decode(bytes, truncated);
        if (text is null)
        {
            return new ArtifactPreview(ArtifactPreviewKind.Binary, null, truncated);
        }

        return new ArtifactPreview(ArtifactPreviewKind.Text, !truncated && name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? Indented(text) : text, truncated);
    }

    /// <summary>The bytes as UTF-8, or null when they are not text; a cut may split the last character, which is dropped.</summary>
    private static string? Decode(ReadOnlySpan<byte> bytes, bool truncated)
    {
        for (var cut = 0; cut <= (truncated ? 3 : 0) && cut < bytes.Length; cut++)
        {
            try
            {
                return StrictUtf8.GetString(bytes[..^cut]);
            }
            catch (DecoderFallbackException)
            {
                // Try again without the last byte or two: a character cut at the cap.
            }
        }

        return bytes.Length == 0 ? "" : null;
    }

    private static string Indented(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement, IndentedJson);
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
