using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Security;
using Portal.Outbound;

namespace Portal.Core.Webhooks;

/// <summary>
/// A kind of job: one delivery of one event to one webhook. POSTs the stored body through the outbound door (the
/// address policy checks the target again now, and the connection is pinned to the checked address), signed with the
/// webhook's current secret, and records what came back. Anything but a 2xx within <see cref="WebhookOptions.Timeout"/>
/// is a failure: the engine retries it with backoff and gives up after <see cref="WebhookOptions.MaxAttempts"/>.
/// </summary>
public sealed class WebhookDeliveryJob(
    PortalDbContext db,
    OutboundHttpClientFactory http,
    WebhookSecretProtector protector,
    TimeProvider clock,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDeliveryJob> logger) : IJobHandler
{
    public const string Kind = "webhook-delivery";

    /// <summary>How much of a receiver's answer is kept to show with the delivery.</summary>
    public const int MaxResponseSnippetBytes = 2048;

    public const string EventHeader = "X-Portal-Event";
    public const string DeliveryHeader = "X-Portal-Delivery";
    public const string SignatureHeader = "X-Portal-Signature-256";

    /// <summary>The value of <see cref="SignatureHeader"/>: "sha256=" and the hex HMAC-SHA256 of the exact body bytes.</summary>
    public static string Signature(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public async Task<JobResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var delivery = await db.WebhookDeliveries.Include(d => d.Subscription).FirstOrDefaultAsync(d => d.Id == run.TargetId, cancellationToken);
        if (delivery?.Subscription is not { } subscription)
        {
            // Deleted with its webhook (or pruned) after it was queued: nothing to send.
            return JobResult.Success;
        }

        if (!subscription.Active)
        {
            delivery.Error = "Not sent: the webhook was deactivated.";
            await db.SaveChangesAsync(CancellationToken.None);
            return JobResult.Success;
        }

        var body = Encoding.UTF8.GetBytes(delivery.RequestBody);
        var attempt = await SendAsync(subscription, delivery, body, cancellationToken);
        delivery.Attempts++;
        delivery.LastAttemptAt = clock.GetUtcNow().UtcDateTime;
        delivery.ResponseStatus = attempt.Status;
        delivery.DurationMs = attempt.DurationMs;
        delivery.ResponseSnippet = attempt.Snippet;
        delivery.Error = attempt.Error;
        await db.SaveChangesAsync(CancellationToken.None);
        logger.LogInformation("Webhook delivery {DeliveryId} ({Event}) to webhook {SubscriptionId}: {Status} in {Duration} ms", delivery.Id, delivery.Event, subscription.Id, attempt.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no response", attempt.DurationMs);
        return attempt.Error is null ? JobResult.Success : JobResult.Failure(attempt.Error);
    }

    /// <summary>Deliveries do not recur; a failure waits at most <see cref="WebhookOptions.MaxBackoff"/> before its retry.</summary>
    public Task<JobSchedule> ScheduleAsync(long targetId, CancellationToken cancellationToken) =>
        Task.FromResult(new JobSchedule(null, options.Value.MaxBackoff));

    public async Task AbandonedAsync(long targetId, string reason, CancellationToken cancellationToken) =>
        await db.WebhookDeliveries.Where(d => d.Id == targetId).ExecuteUpdateAsync(s => s.SetProperty(d => d.Error, reason), cancellationToken);

    private async Task<Attempt> SendAsync(WebhookSubscription subscription, WebhookDelivery delivery, byte[] body, CancellationToken cancellationToken)
    {
        var timeout = options.Value.Timeout;
        var started = Stopwatch.GetTimestamp();
        int Elapsed() => (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var client = http.CreateClient(Timeout.InfiniteTimeSpan);
            using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.UserAgent.ParseAdd("Portal-Webhooks/1");
            request.Headers.Add(EventHeader, delivery.Event);
            request.Headers.Add(DeliveryHeader, delivery.Guid);
            request.Headers.Add(SignatureHeader, Signature(protector.Unprotect(subscription.ProtectedSecret), body));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var snippet = await ReadSnippetAsync(response, deadline.Token);
            var status = (int)response.StatusCode;
            var error = status is >= 200 and < 300 ? null
                : status is >= 300 and < 400 ? $"The receiver answered {status} (a redirect): Portal does not follow redirects, so give the final URL."
                : $"The receiver answered {status} {response.ReasonPhrase}: only 2xx counts as delivered.";
            return new Attempt(status, Elapsed(), snippet, error);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Portal is stopping: the engine puts the delivery back in the queue.
            throw;
        }
        catch (OperationCanceledException)
        {
            return new Attempt(null, Elapsed(), null, $"The receiver did not answer within {timeout.TotalSeconds:0} s.");
        }
        catch (CryptographicException)
        {
            return new Attempt(null, Elapsed(), null, "Portal cannot decrypt this webhook's secret (were the data folder's keys replaced?): set a new secret.");
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            var reason = OutboundHttpClientFactory.RefusalIn(exception)?.Message ?? $"Could not reach the receiver: {exception.Message}";
            return new Attempt(null, Elapsed(), null, reason);
        }
    }

    /// <summary>The start of the body as text, never more than <see cref="MaxResponseSnippetBytes"/> read; the rest is left unread.</summary>
    private static async Task<string?> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseSnippetBytes];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return filled == 0 ? null : Encoding.UTF8.GetString(buffer, 0, filled);
    }

    private sealed record Attempt(int? Status, int DurationMs, string? Snippet, string? Error);
}
