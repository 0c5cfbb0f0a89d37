using System.Text.Json;

namespace Portal.Core.Lfs;

/// <summary>
/// Reads an LFS server's answer to a batch request (download or upload) strictly: the shape the specification gives, only objects
/// that were asked for (once each, with the size asked for), hrefs that are absolute http/https URLs, and header maps
/// of a bounded number of plain header lines. Unknown fields are ignored (servers add their own); anything that breaks
/// a rule refuses the whole answer or that one object, never a guess.
/// </summary>
public static class LfsBatchResponse
{
    private const int MaxHrefLength = 8192;
    private const int MaxHeaders = 32;
    private const int MaxHeaderValueLength = 8192;

    /// <summary>Headers a server may not set on a download: they belong to the connection or to Portal.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Proxy-Authorization", "Proxy-Connection", "Cookie", "Expect", "Range",
    };

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };

    public static Outcome<BatchAnswer> Parse(byte[] content, IReadOnlyList<LfsPointer> requested)
    {
        var parsed = ParseObjects(content, requested, ReadDownload);
        return parsed.Succeeded ? new BatchAnswer(parsed.Value.Items, parsed.Value.Failures, null, false) : parsed.Error!;
    }

    /// <summary>
    /// An answer to an upload batch request: for each object the server wants, where to PUT it (and where to verify it);
    /// objects without an upload action are already there. The same strictness as downloads.
    /// </summary>
    public static Outcome<UploadAnswer> ParseUpload(byte[] content, IReadOnlyList<LfsPointer> requested)
    {
        var parsed = ParseObjects(content, requested, ReadUpload);
        return parsed.Succeeded ? new UploadAnswer(parsed.Value.Items, parsed.Value.Failures) : parsed.Error!;
    }

    private static Outcome<(List<T> Items, List<string> Failures)> ParseObjects<T>(byte[] content, IReadOnlyList<LfsPointer> requested, Func<JsonElement, LfsPointer, Outcome<T?>> read)
        where T : class
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content, Options);
        }
        catch (JsonException)
        {
            return PortalError.Invalid("it is not valid JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return PortalError.Invalid("it is not a JSON object.");
            }

            if (root.TryGetProperty("transfer", out var transfer) && transfer.ValueKind != JsonValueKind.Null
                && (transfer.ValueKind != JsonValueKind.String || transfer.GetString() != "basic"))
            {
                return PortalError.Invalid("it chose a transfer adapter other than \"basic\", the only one Portal asked for.");
            }

            if (!root.TryGetProperty("objects", out var objects) || objects.ValueKind != JsonValueKind.Array)
            {
                return PortalError.Invalid("it has no \"objects\" list.");
            }

            var wanted = requested.ToDictionary(p => p.Oid, StringComparer.Ordinal);
            var items = new List<T>();
            var failures = new List<string>();
            var answered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in objects.EnumerateArray())
            {
                var oid = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("oid", out var oidElement) && oidElement.ValueKind == JsonValueKind.String ? oidElement.GetString() : null;
                if (oid is null || !wanted.TryGetValue(oid, out var pointer))
                {
                    return PortalError.Invalid("it names an object Portal did not ask for.");
                }

                if (!answered.Add(oid))
                {
                    return PortalError.Invalid($"it names object {oid} twice.");
                }

                var checkedObject = CheckObject(item, pointer);
                var outcome = checkedObject is null ? read(item, pointer) : checkedObject;
                if (!outcome.Succeeded)
                {
                    failures.Add($"{oid}: {outcome.Error!.Message}");
                }
                else if (outcome.Value is { } value)
                {
                    items.Add(value);
                }
            }

            failures.AddRange(requested.Where(p => !answered.Contains(p.Oid)).Select(p => $"{p.Oid}: missing from the LFS server's answer."));
            return (items, failures);
        }
    }

    /// <summary>The "message" of an LFS error body, cleaned for showing; null when there is none.</summary>
    public static string? ErrorMessage(byte[]? content)
    {
        if (content is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(content, Options);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? Clean(message.GetString())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What every answered object must satisfy: the size asked for, and no error; null when it does.</summary>
    private static PortalError? CheckObject(JsonElement item, LfsPointer pointer)
    {
        if (item.TryGetProperty("size", out var size) && (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var announced) || announced != pointer.Size))
        {
            return PortalError.Invalid($"the LFS server gives a size other than the pointer's {pointer.Size} bytes.");
        }

        if (item.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            var code = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
            var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? Clean(m.GetString()) : null;
            return PortalError.Invalid($"the LFS server answered {code}{(message is null ? "" : $" ({message})")}.");
        }

        return null;
    }

    private static Outcome<LfsDownload?> ReadDownload(JsonElement item, LfsPointer pointer)
    {
        if (!item.TryGetProperty("actions", out var actions) || actions.ValueKind != JsonValueKind.Object
            || !actions.TryGetProperty("download", out var download) || download.ValueKind != JsonValueKind.Object)
        {
            return PortalError.Invalid("the LFS server offered no download for it.");
        }

        var action = ReadAction(download, "download");
        return action.Succeeded ? new LfsDownload(pointer, action.Value!.Href, action.Value.Header) : action.Error!;
    }

    /// <summary>An upload action (and its verify action, if any); null when the server offers none: it has the object.</summary>
    private static Outcome<LfsUpload?> ReadUpload(JsonElement item, LfsPointer pointer)
    {
        if (!item.TryGetProperty("actions", out var actions) || actions.ValueKind == JsonValueKind.Null
            || (actions.ValueKind == JsonValueKind.Object && !actions.TryGetProperty("upload", out _)))
        {
            return (LfsUpload?)null;
        }

        if (actions.ValueKind != JsonValueKind.Object || actions.GetProperty("upload").ValueKind != JsonValueKind.Object)
        {
            return PortalError.Invalid("its actions are not JSON objects.");
        }

        var upload = ReadAction(actions.GetProperty("upload"), "upload");
        if (!upload.Succeeded)
        {
            return upload.Error!;
        }

        LfsAction? verify = null;
        if (actions.TryGetProperty("verify", out var verifyElement) && verifyElement.ValueKind != JsonValueKind.Null)
        {
            var read = verifyElement.ValueKind == JsonValueKind.Object ? ReadAction(verifyElement, "verify") : PortalError.Invalid("its verify action is not a JSON object.");
            if (!read.Succeeded)
            {
                return read.Error!;
            }

            verify = read.Value;
        }

        return new LfsUpload(pointer, upload.Value!, verify);
    }

    /// <summary>An action's href (absolute http/https, no credentials) and header map (bounded, no reserved or malformed entries).</summary>
    private static Outcome<LfsAction> ReadAction(JsonElement action, string what)
    {
        if (!action.TryGetProperty("href", out var hrefElement) || hrefElement.ValueKind != JsonValueKind.String
            || hrefElement.GetString() is not { Length: > 0 and <= MaxHrefLength } hrefText
            || !Uri.TryCreate(hrefText, UriKind.Absolute, out var href) || href.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(href.UserInfo))
        {
            return PortalError.Invalid($"its {what} href is not an absolute https or http URL (without credentials).");
        }

        var header = new List<KeyValuePair<string, string>>();
        if (action.TryGetProperty("header", out var headerElement) && headerElement.ValueKind != JsonValueKind.Null)
        {
            if (headerElement.ValueKind != JsonValueKind.Object)
            {
                return PortalError.Invalid($"its {what} header is not a JSON object.");
            }

            foreach (var property in headerElement.EnumerateObject())
            {
                if (header.Count == MaxHeaders || property.Value.ValueKind != JsonValueKind.String || !IsToken(property.Name) || ReservedHeaders.Contains(property.Name)
                    || property.Value.GetString() is not { Length: <= MaxHeaderValueLength } value || value.Any(ch => ch is '\r' or '\n' or '\0'))
                {
                    return PortalError.Invalid($"its {what} header has too many, reserved or malformed entries.");
                }

                header.Add(new(property.Name, value));
            }
        }

        return new LfsAction(href, header);
    }

    private static bool IsToken(string name) =>
        name.Length is > 0 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    private static string? Clean(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var cleaned = new string([.. text.Where(c => !char.IsControl(c))]).Trim();
        return cleaned.Length > 200 ? cleaned[..200] + "…" : cleaned;
    }
}

/// <summary>Where an action goes, and the headers it carries (for the href's origin only).</summary>
public sealed record LfsAction(Uri Href, IReadOnlyList<KeyValuePair<string, string>> Header);

/// <summary>One object to upload: where to PUT it and, if the server asks, where to confirm it arrived.</summary>
public sealed record LfsUpload(LfsPointer Pointer, LfsAction Upload, LfsAction? Verify);

/// <summary>An upload batch answer: the objects to send (the others are on the server already) and per-object failures.</summary>
public sealed record UploadAnswer(IReadOnlyList<LfsUpload> Uploads, IReadOnlyList<string> Failures);

/// <summary>One object to download: where, and the headers its action carries (for the href's origin only).</summary>
public sealed record LfsDownload(LfsPointer Pointer, Uri Href, IReadOnlyList<KeyValuePair<string, string>> Header);

/// <summary>A batch answer: downloads to make and per-object failures, or the error that stopped the batch.</summary>
public sealed record BatchAnswer(IReadOnlyList<LfsDownload> Downloads, IReadOnlyList<string> Failures, string? Error, bool NoServer)
{
    public static BatchAnswer Failed(string error, bool noServer = false) => new([], [], error, noServer);
}
