using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Git;
using Portal.Outbound;

namespace Portal.Core.Lfs;

/// <summary>
/// Downloads Git LFS objects from an LFS server into <see cref="LfsObjectStore"/>, in-process, over the batch API
/// (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md) with basic transfers.
/// <para>
/// Why in-process and not git-lfs behind an egress proxy: git-lfs resolves DNS itself, ignores http.curloptResolve and
/// http.followRedirects, reads the repository's .lfsconfig and sends a global http.extraHeader to every host it talks
/// to. A proxy could re-check addresses, but it would see TLS only as CONNECT host:port, so it could neither keep the
/// Authorization header from other origins nor verify objects; and it is one more process and port to run. Here every
/// connection goes through <see cref="OutboundHttpClientFactory"/> (checked and pinned), redirects are followed by
/// hand, and each header goes only where it belongs.
/// </para>
/// Rules: the mirror's credentials go only to <see cref="LfsSource.CredentialOrigin"/> (scheme, host and port); the
/// <c>header</c> map the server returns for an action goes only to that action's href origin; a redirect is followed
/// at most <see cref="MaxRedirects"/> times and only to http/https; responses are parsed strictly with size caps;
/// objects stream to disk while hashed and enter the store only if SHA-256 and size match.
/// </summary>
public sealed class LfsBatchDownloader(OutboundHttpClientFactory http, LfsObjectStore store, IOptions<GitOptions> gitOptions, ILogger<LfsBatchDownloader> logger)
{
    public const int MaxRedirects = 3;

    /// <summary>Objects per batch request, as git-lfs sends them.</summary>
    private const int BatchSize = 100;

    private const int ParallelDownloads = 4;

    private const string LfsJson = "application/vnd.git-lfs+json";


    public async Task<LfsDownloadReport> DownloadAsync(long repositoryId, LfsSource source, IReadOnlyList<LfsPointer> objects, CancellationToken cancellationToken)
    {
        using var client = http.CreateClient();
        var report = new ReportBuilder();
        var idle = TimeSpan.FromSeconds(gitOptions.Value.LowSpeedSeconds);
        foreach (var batch in objects.Chunk(BatchSize))
        {
            var answer = await RequestBatchAsync(client, source, batch, cancellationToken);
            if (answer.Error is { } error)
            {
                report.Stop(error, answer.NoServer, objects.Count - report.Attempted);
                break;
            }

            report.Attempted += batch.Length;
            foreach (var failure in answer.Failures)
            {
                report.Fail(failure);
            }

            await Parallel.ForEachAsync(answer.Downloads, new ParallelOptions { MaxDegreeOfParallelism = ParallelDownloads, CancellationToken = cancellationToken }, async (download, token) =>
            {
                var failure = await DownloadOneAsync(client, repositoryId, source, download, idle, token);
                if (failure is null)
                {
                    report.Succeed(download.Pointer.Size);
                }
                else
                {
                    report.Fail($"{download.Pointer.Oid}: {failure}");
                }
            });
        }

        var result = report.Build(source.Secrets);
        if (!result.Complete)
        {
            logger.LogWarning(
                "LFS fetch for repository {RepositoryId}: {Fetched} fetched, {Failed} failed, {NotTried} not tried. {Stopped} {FirstFailure}",
                repositoryId, result.Fetched, result.Failures.Count, result.NotTried, result.Stopped, result.Failures.FirstOrDefault());
        }

        return result;
    }

    private async Task<BatchAnswer> RequestBatchAsync(HttpClient client, LfsSource source, LfsPointer[] batch, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            operation = "download",
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
            var cap = 64 * 1024 + 16 * 1024 * batch.Length;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var message = LfsBatchResponse.ErrorMessage(await ReadCappedAsync(response.Content, 4096, cancellationToken));
                var what = $"The LFS server {Describe(response.RequestMessage?.RequestUri ?? batchUrl)} answered {(int)response.StatusCode}{(message is null ? "" : $": {message}")}";
                return response.StatusCode switch
                {
                    HttpStatusCode.NotFound => BatchAnswer.Failed(what, noServer: true),
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => BatchAnswer.Failed($"{what}. Check the mirror's credentials, or set its LFS URL if LFS is served elsewhere."),
                    _ => BatchAnswer.Failed(what + "."),
                };
            }

            if (response.Content.Headers.ContentType?.MediaType is not (LfsJson or "application/json"))
            {
                return BatchAnswer.Failed($"The LFS server {Describe(batchUrl)} did not answer with LFS JSON (Content-Type '{response.Content.Headers.ContentType?.MediaType}'): is the LFS URL right?");
            }

            var content = await ReadCappedAsync(response.Content, cap, cancellationToken);
            if (content is null)
            {
                return BatchAnswer.Failed($"The LFS server's batch answer is larger than {cap / 1024} KiB for {batch.Length} objects: refused.");
            }

            var parsed = LfsBatchResponse.Parse(content, batch);
            return parsed.Succeeded ? parsed.Value! : BatchAnswer.Failed($"The LFS server's batch answer was refused: {parsed.Error!.Message}");
        }
        catch (Exception exception) when (Unreachable(exception, cancellationToken) is { } reason)
        {
            return BatchAnswer.Failed($"The LFS server {Describe(batchUrl)} could not be reached: {reason}");
        }
    }

    private async Task<string?> DownloadOneAsync(HttpClient client, long repositoryId, LfsSource source, LfsDownload download, TimeSpan idle, CancellationToken cancellationToken)
    {
        var href = download.Href;
        try
        {
            using var response = await SendAsync(client, href, uri =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (SameOrigin(uri, href))
                {
                    // The server's header map (often a short-lived Authorization) belongs to the href's origin only.
                    foreach (var (name, value) in download.Header)
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }
                }

                if (request.Headers.Authorization is null)
                {
                    AddCredentials(request, source);
                }

                return request;
            }, followSeeOther: true, cancellationToken);
            var from = Describe(response.RequestMessage?.RequestUri ?? href);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"{from} answered {(int)response.StatusCode}.";
            }

            if (response.Content.Headers.ContentLength is { } length && length != download.Pointer.Size)
            {
                return $"{from} announced {length} bytes, but the object has {download.Pointer.Size}: refused, nothing stored.";
            }

            await using var body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(cancellationToken), idle);
            var stored = await store.StoreAsync(repositoryId, download.Pointer.Oid, download.Pointer.Size, body, cancellationToken);
            return stored.Succeeded ? null : $"refused from {from}: {stored.Error!.Message}";
        }
        catch (Exception exception) when (Unreachable(exception, cancellationToken) is { } reason)
        {
            return $"{Describe(href)}: {reason}";
        }
    }

    /// <summary>Sends a request, following redirects by hand: each hop is a new request through the checked door, built for its own origin.</summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, Uri start, Func<Uri, HttpRequestMessage> build, bool followSeeOther, CancellationToken cancellationToken)
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

            if (location is null || hop == MaxRedirects)
            {
                throw new LfsTransferException(location is null
                    ? $"{Describe(uri)} answered {status} without a Location."
                    : $"more than {MaxRedirects} redirects, the last from {Describe(uri)}.");
            }

            var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (next.Scheme is not ("https" or "http"))
            {
                throw new LfsTransferException($"{Describe(uri)} redirected to a {next.Scheme}: URL; only https and http are followed.");
            }

            uri = next;
        }
    }

    private static void AddCredentials(HttpRequestMessage request, LfsSource source)
    {
        if (source.BasicCredential is { } basic && source.CredentialOrigin is { } origin && SameOrigin(request.RequestUri!, origin))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }
    }

    /// <summary>Same scheme, host and port: the unit credentials and action headers are scoped to.</summary>
    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>A URL as it may appear in a message: origin and path, never the query (signed URLs carry secrets there).</summary>
    private static string Describe(Uri uri) => uri.GetLeftPart(UriPartial.Path);

    /// <summary>Why a request failed, for failures that are the network's or the server's and not a bug; null otherwise.</summary>
    private static string? Unreachable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        _ when OutboundHttpClientFactory.RefusalIn(exception) is { } refused => refused.Message,
        LfsTransferException transfer => transfer.Message,
        TimeoutException timeout => timeout.Message,
        OperationCanceledException when !cancellationToken.IsCancellationRequested => "no answer in time.",
        HttpRequestException request => request.InnerException is { } inner ? $"{request.Message} ({inner.Message})" : request.Message,
        IOException io => io.Message,
        _ => null,
    };

    private static async Task<byte[]?> ReadCappedAsync(HttpContent content, int cap, CancellationToken cancellationToken)
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

    private sealed class ReportBuilder
    {
        private readonly List<string> failures = [];
        private int fetched;
        private long bytes;
        private string? stopped;
        private bool noServer;
        private int notTried;

        public int Attempted { get; set; }

        public void Succeed(long size)
        {
            Interlocked.Increment(ref fetched);
            Interlocked.Add(ref bytes, size);
        }

        public void Fail(string failure)
        {
            lock (failures)
            {
                failures.Add(failure);
            }
        }

        public void Stop(string reason, bool missingServer, int remaining)
        {
            stopped = reason;
            noServer = missingServer;
            notTried = remaining;
        }

        public LfsDownloadReport Build(IReadOnlyList<string> secrets) => new(
            fetched,
            bytes,
            [.. failures.Order(StringComparer.Ordinal).Select(f => CredentialScrubber.Scrub(f, secrets))],
            stopped is null ? null : CredentialScrubber.Scrub(stopped, secrets),
            noServer,
            notTried);
    }
}

/// <summary>Where a mirror's LFS objects come from, and the one origin its Basic credential may be sent to.</summary>
public sealed record LfsSource(Uri Endpoint, Uri? CredentialOrigin, string? BasicCredential, IReadOnlyList<string> Secrets);

/// <summary>
/// What a download run did: objects stored, objects refused or unreachable (one line each, scrubbed), and, when the
/// batch endpoint itself failed, why (<see cref="NoServer"/> when it does not exist) and how many objects were not tried.
/// </summary>
public sealed record LfsDownloadReport(int Fetched, long FetchedBytes, IReadOnlyList<string> Failures, string? Stopped, bool NoServer, int NotTried)
{
    public bool Complete => Failures.Count == 0 && Stopped is null;
}

/// <summary>An LFS exchange broke a rule (too many redirects, a redirect to another scheme); the message says which.</summary>
public sealed class LfsTransferException(string message) : IOException(message);
