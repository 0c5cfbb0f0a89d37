using System.Net;
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

    private static async Task<BatchAnswer> RequestBatchAsync(HttpClient client, LfsSource source, LfsPointer[] batch, CancellationToken cancellationToken)
    {
        var answer = await LfsHttp.RequestBatchAsync(client, source, "download", batch, cancellationToken);
        if (answer.Error is { } error)
        {
            return BatchAnswer.Failed(error, answer.NoServer);
        }

        var parsed = LfsBatchResponse.Parse(answer.Content!, batch);
        return parsed.Succeeded ? parsed.Value! : BatchAnswer.Failed($"The LFS server's batch answer was refused: {parsed.Error!.Message}");
    }

    private async Task<string?> DownloadOneAsync(HttpClient client, long repositoryId, LfsSource source, LfsDownload download, TimeSpan idle, CancellationToken cancellationToken)
    {
        var href = download.Href;
        try
        {
            using var response = await LfsHttp.SendAsync(client, href, uri =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (LfsHttp.SameOrigin(uri, href))
                {
                    // The server's header map (often a short-lived Authorization) belongs to the href's origin only.
                    foreach (var (name, value) in download.Header)
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }
                }

                if (request.Headers.Authorization is null)
                {
                    LfsHttp.AddCredentials(request, source);
                }

                return request;
            }, followSeeOther: true, cancellationToken);
            var from = LfsHttp.Describe(response.RequestMessage?.RequestUri ?? href);
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
        catch (Exception exception) when (LfsHttp.Unreachable(exception, cancellationToken) is { } reason)
        {
            return $"{LfsHttp.Describe(href)}: {reason}";
        }
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

/// <summary>An LFS server Portal talks to (a mirror's source, a write-through or push target), and the one origin its Basic credential may be sent to.</summary>
public sealed record LfsSource(Uri Endpoint, Uri? CredentialOrigin, string? BasicCredential, IReadOnlyList<string> Secrets)
{
    /// <summary>The LFS server at <paramref name="endpoint"/> for a git remote: its credentials, for http(s) remotes only, go to the remote's own origin.</summary>
    public static LfsSource ForRemote(Uri endpoint, Upstreams.UpstreamUrl remote, Upstreams.UpstreamCredentials credentials)
    {
        var basic = remote.IsHttp ? credentials.BasicParameter() : null;
        return new LfsSource(endpoint, Upstreams.LfsEndpoint.CredentialOrigin(remote), basic, [.. credentials.Secrets, .. basic is null ? Array.Empty<string>() : [basic]]);
    }
}

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
