using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portal.Git;
using Portal.Outbound;

namespace Portal.Core.Lfs;

/// <summary>
/// Uploads Git LFS objects from <see cref="LfsObjectStore"/> to another LFS server (a write-through mirror's upstream, a
/// push mirror's target), in-process, over the batch API with basic transfers, by the same rules as downloads
/// (<see cref="LfsHttp"/>): every connection checked and pinned, the credentials only to their own origin, an action's
/// header map only to its href's origin. Objects the server already has are not sent; an upload is never redirected
/// (its body would have to be sent again elsewhere); a verify action, when the server asks for one, is called after it.
/// </summary>
public sealed class LfsBatchUploader(OutboundHttpClientFactory http, LfsObjectStore store, ILogger<LfsBatchUploader> logger)
{
    private const int BatchSize = 100;

    /// <summary>A single object's upload may take this long (large objects over slow links).</summary>
    private static readonly TimeSpan UploadTimeout = TimeSpan.FromHours(2);

    public async Task<LfsUploadReport> UploadAsync(long repositoryId, LfsSource target, IReadOnlyList<LfsPointer> objects, CancellationToken cancellationToken)
    {
        using var client = http.CreateClient(UploadTimeout);
        var uploaded = 0;
        var missing = new List<string>();
        var failures = new List<string>();
        foreach (var batch in objects.Chunk(BatchSize))
        {
            var reply = await LfsHttp.RequestBatchAsync(client, target, "upload", batch, cancellationToken);
            if (reply.Error is { } error)
            {
                return Report(uploaded, missing, failures, error, target);
            }

            var answer = LfsBatchResponse.ParseUpload(reply.Content!, batch);
            if (!answer.Succeeded)
            {
                return Report(uploaded, missing, failures, $"The LFS server's batch answer was refused: {answer.Error!.Message}", target);
            }

            failures.AddRange(answer.Value!.Failures);
            foreach (var upload in answer.Value.Uploads)
            {
                if (store.SizeOf(repositoryId, upload.Pointer.Oid) != upload.Pointer.Size)
                {
                    // Referenced by the commits but never pushed to Portal: nothing to send.
                    missing.Add(upload.Pointer.Oid);
                    continue;
                }

                if (await UploadOneAsync(client, repositoryId, target, upload, cancellationToken) is { } failure)
                {
                    failures.Add($"{upload.Pointer.Oid}: {failure}");
                }
                else
                {
                    uploaded++;
                }
            }
        }

        return Report(uploaded, missing, failures, null, target);
    }

    private LfsUploadReport Report(int uploaded, List<string> missing, List<string> failures, string? stopped, LfsSource target)
    {
        var report = new LfsUploadReport(
            uploaded,
            missing,
            [.. failures.Select(f => CredentialScrubber.Scrub(f, target.Secrets))],
            stopped is null ? null : CredentialScrubber.Scrub(stopped, target.Secrets));
        if (!report.Complete)
        {
            logger.LogWarning("LFS upload to {Endpoint}: {Uploaded} uploaded, {Failed} failed. {Stopped} {FirstFailure}",
                LfsHttp.Describe(target.Endpoint), uploaded, report.Failures.Count, report.Stopped, report.Failures.FirstOrDefault());
        }

        return report;
    }

    private async Task<string?> UploadOneAsync(HttpClient client, long repositoryId, LfsSource target, LfsUpload upload, CancellationToken cancellationToken)
    {
        var href = upload.Upload.Href;
        try
        {
            await using (var content = File.OpenRead(store.PathOf(repositoryId, upload.Pointer.Oid)))
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, href) { Content = new StreamContent(content) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                request.Content.Headers.ContentLength = upload.Pointer.Size;
                AddActionHeaders(request, upload.Upload, target);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    return $"{LfsHttp.Describe(href)} answered {(int)response.StatusCode} to the upload{(IsRedirect(response.StatusCode) ? " (a redirect, which uploads do not follow)" : "")}.";
                }
            }

            if (upload.Verify is { } verify)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, verify.Href)
                {
                    Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { oid = upload.Pointer.Oid, size = upload.Pointer.Size })),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(LfsHttp.LfsJson);
                AddActionHeaders(request, verify, target);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    return $"{LfsHttp.Describe(verify.Href)} did not verify the upload ({(int)response.StatusCode}).";
                }
            }

            return null;
        }
        catch (Exception exception) when (LfsHttp.Unreachable(exception, cancellationToken) is { } reason)
        {
            return $"{LfsHttp.Describe(href)}: {reason}";
        }
    }

    /// <summary>The action's own headers (its href's origin only); the target's credentials when the action brings none.</summary>
    private static void AddActionHeaders(HttpRequestMessage request, LfsAction action, LfsSource target)
    {
        if (LfsHttp.SameOrigin(request.RequestUri!, action.Href))
        {
            foreach (var (name, value) in action.Header)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (request.Headers.Authorization is null)
        {
            LfsHttp.AddCredentials(request, target);
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => (int)status is 301 or 302 or 303 or 307 or 308;
}

/// <summary>
/// What an upload run did: objects sent, objects the server wanted that Portal does not have (never pushed to it), and
/// failures (one line each, scrubbed) or the error that stopped the run.
/// </summary>
public sealed record LfsUploadReport(int Uploaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Failures, string? Stopped)
{
    public bool Complete => Failures.Count == 0 && Stopped is null;

    /// <summary>For a run's message: what failed, at most a few lines.</summary>
    public string Describe() => string.Join('\n', new[] { Stopped }.Concat(Failures.Take(5)).OfType<string>());
}
