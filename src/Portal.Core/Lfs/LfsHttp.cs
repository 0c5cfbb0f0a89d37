using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Portal.Outbound;

namespace Portal.Core.Lfs;

/// <summary>
/// The rules every Git LFS exchange of Portal's follows, downloads (mirrors) and uploads (write-through, push mirrors)
/// alike: requests go through the checked door's client, redirects are followed by hand (each hop a new request built
/// for its own origin), the credentials go only to their own origin, answers are read with a size cap, and failures
/// become sentences that never carry a URL's query (signed URLs keep secrets there).
/// </summary>
internal static class LfsHttp
{
    public const string LfsJson = "application/vnd.git-lfs+json";

    /// <summary>
    /// Posts one batch request (<paramref name="operation"/>: "download" or "upload") for <paramref name="batch"/>: the
    /// answer's body (capped by the number of objects), or why there is none (<see cref="BatchReply.NoServer"/> for a 404).
    /// </summary>
    public static async Task<BatchReply> RequestBatchAsync(HttpClient client, LfsSource source, string operation, IReadOnlyCollection<LfsPointer> batch, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            operation,
            transfers = new[] { "basic" },
            objects = batch.Select(p => new { oid = p.Oid, size = p.Size }),
        });
        var batchUrl = new Uri(source.Endpoint.AbsoluteUri.TrimEnd('/') + "/objects/batch");
        try
        {
            using var response = await SendAsync(client, batchUrl, uri =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(LfsJson);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(LfsJson));
                AddCredentials(request, source);
                return request;
            }, followSeeOther: false, cancellationToken);
            var cap = 64 * 1024 + 16 * 1024 * batch.Count;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var message = LfsBatchResponse.ErrorMessage(await ReadCappedAsync(response.Content, 4096, cancellationToken));
                var what = $"The LFS server {Describe(response.RequestMessage?.RequestUri ?? batchUrl)} answered {(int)response.StatusCode}{(message is null ? "" : $": {message}")}";
                return response.StatusCode switch
                {
                    HttpStatusCode.NotFound => BatchReply.Failed(what, noServer: true),
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => BatchReply.Failed($"{what}. Check the credentials, or set the LFS URL if LFS is served elsewhere."),
                    _ => BatchReply.Failed(what + "."),
                };
            }

            if (response.Content.Headers.ContentType?.MediaType is not (LfsJson or "application/json"))
            {
                return BatchReply.Failed($"The LFS server {Describe(batchUrl)} did not answer with LFS JSON (Content-Type '{response.Content.Headers.ContentType?.MediaType}'): is the LFS URL right?");
            }

            var content = await ReadCappedAsync(response.Content, cap, cancellationToken);
            return content is null
                ? BatchReply.Failed($"The LFS server's batch answer is larger than {cap / 1024} KiB for {batch.Count} objects: refused.")
                : new BatchReply(content, null, false);
        }
        catch (Exception exception) when (Unreachable(exception, cancellationToken) is { } reason)
        {
            return BatchReply.Failed($"The LFS server {Describe(batchUrl)} could not be reached: {reason}");
        }
    }

    /// <summary>Sends a request, following redirects by hand: each hop is a new request through the checked door, built for its own origin.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, Uri start, Func<Uri, HttpRequestMessage> build, bool followSeeOther, CancellationToken cancellationToken)
    {
        var uri = start;
        for (var hop = 0; ; hop++)
        {
            using var request = build(uri);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is not (301 or 302 or 303 or 307 or 308))
            {
                return response;
            }

            var location = response.Headers.Location;
            response.Dispose();
            if (!followSeeOther && status is not (307 or 308))
            {
                throw new LfsTransferException($"{Describe(uri)} answered the batch request with a {status} redirect, which would turn it into a GET: set the mirror's LFS URL to the endpoint itself.");
            }

            if (location is null || hop == LfsBatchDownloader.MaxRedirects)
            {
                throw new LfsTransferException(location is null
                    ? $"{Describe(uri)} answered {status} without a Location."
                    : $"more than {LfsBatchDownloader.MaxRedirects} redirects, the last from {Describe(uri)}.");
            }

            var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (next.Scheme is not ("https" or "http"))
            {
                throw new LfsTransferException($"{Describe(uri)} redirected to a {next.Scheme}: URL; only https and http are followed.");
            }

            uri = next;
        }
    }

    public static void AddCredentials(HttpRequestMessage request, LfsSource source)
    {
        if (source.BasicCredential is { } basic && source.CredentialOrigin is { } origin && SameOrigin(request.RequestUri!, origin))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }
    }

    /// <summary>Same scheme, host and port: the unit credentials and action headers are scoped to.</summary>
    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>A URL as it may appear in a message: origin and path, never the query (signed URLs carry secrets there).</summary>
    public static string Describe(Uri uri) => uri.GetLeftPart(UriPartial.Path);

    /// <summary>Why a request failed, for failures that are the network's or the server's and not a bug; null otherwise.</summary>
    public static string? Unreachable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        _ when OutboundHttpClientFactory.RefusalIn(exception) is { } refused => refused.Message,
        LfsTransferException transfer => transfer.Message,
        TimeoutException timeout => timeout.Message,
        OperationCanceledException when !cancellationToken.IsCancellationRequested => "no answer in time.",
        HttpRequestException request => request.InnerException is { } inner ? $"{request.Message} ({inner.Message})" : request.Message,
        IOException io => io.Message,
        _ => null,
    };

    public static async Task<byte[]?> ReadCappedAsync(HttpContent content, int cap, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > cap)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > cap)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>A batch endpoint's answer: its body, or the error that stopped it.</summary>
internal sealed record BatchReply(byte[]? Content, string? Error, bool NoServer)
{
    public static BatchReply Failed(string error, bool noServer = false) => new(null, error, noServer);
}
