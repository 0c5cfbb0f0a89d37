using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portal.Testing;

/// <summary>
/// A webhook receiver on 127.0.0.1, as a subscriber would write one: it checks <c>X-Portal-Signature-256</c> against
/// the secret it was given (HMAC-SHA256 of the raw body, constant-time), records every request, and answers 500 to the
/// first <see cref="FailFirst"/> requests (then 200, or 401 when the signature does not hold).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private int failuresLeft;

    private WebhookReceiver(WebApplication app, int port, string secret)
    {
        this.app = app;
        Port = port;
        Secret = secret;
    }

    public int Port { get; }

    public string Secret { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks/portal";

    /// <summary>Answer 500 to this many requests before answering normally.</summary>
    public int FailFirst
    {
        get => failuresLeft;
        set => failuresLeft = value;
    }

    public IReadOnlyList<ReceivedWebhook> Received => [.. received];

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, port, secret);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests arrived.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (received.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The receiver got {received.Count} webhooks, not {count}.");
            }

            await Task.Delay(25);
        }

        return Received;
    }

    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var signature = context.Request.Headers["X-Portal-Signature-256"].ToString();
        var expected = Encoding.ASCII.GetBytes(Sign(Secret, body));
        var valid = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature), expected);
        var failing = Interlocked.Decrement(ref failuresLeft) >= 0;
        var status = failing ? 500 : valid ? 200 : 401;
        received.Enqueue(new ReceivedWebhook(
            context.Request.Headers["X-Portal-Event"].ToString(),
            context.Request.Headers["X-Portal-Delivery"].ToString(),
            signature,
            valid,
            context.Request.ContentType,
            Encoding.UTF8.GetString(body),
            status));
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(failing ? "receiver broke" : valid ? "thanks" : "bad signature");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>One request as the receiver saw it, and what it answered.</summary>
public sealed record ReceivedWebhook(string Event, string Delivery, string Signature, bool SignatureValid, string? ContentType, string Body, int AnsweredStatus);
