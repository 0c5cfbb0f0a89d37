using Microsoft.Extensions.Options;
using Portal.Core.Mirroring;
using Portal.Core.Webhooks;
using Portal.Web.Api;
using Portal.Web.Hosting;

namespace Portal.Web.Webhooks;

/// <summary>
/// <c>POST /{owner}/{name}/hooks/upstream</c>: where an upstream (GitHub, GitLab, Gitea, Forgejo, Bitbucket) sends its
/// push notifications for a mirror. No session or token: the signature made with the mirror's webhook secret is the
/// credential. The body is bounded (Portal:Webhooks:MaxInboundBodyBytes) and streamed through the signature check.
/// </summary>
public static class UpstreamWebhookEndpoints
{
    /// <summary>The address a mirror's upstream posts to, under <paramref name="publicBase"/> (see <see cref="PublicBaseUrl"/>).</summary>
    public static string Url(string publicBase, string owner, string name) => $"{publicBase}/{owner}/{name}/hooks/upstream";

    public static IEndpointRouteBuilder MapUpstreamWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/{owner}/{name}/hooks/upstream", ReceiveAsync)
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithRequestBodyLimit(
                services => services.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxInboundBodyBytes,
                "webhook payloads this large are not expected; ask an admin to raise Portal:Webhooks:MaxInboundBodyBytes if they are genuine.",
                (context, detail) => ProblemResults.Problem(StatusCodes.Status413PayloadTooLarge, detail).ExecuteAsync(context));
        return app;
    }

    private static async Task<IResult> ReceiveAsync(string owner, string name, HttpRequest request, UpstreamWebhookReceiver receiver, CancellationToken cancellationToken)
    {
        var result = await receiver.ReceiveAsync(owner, name, header => request.Headers.TryGetValue(header, out var value) ? value.ToString() : null, request.Body, cancellationToken);
        return result.Outcome switch
        {
            UpstreamWebhookOutcome.Unauthorized => ProblemResults.Problem(StatusCodes.Status401Unauthorized, result.Message),
            UpstreamWebhookOutcome.NotAMirror => ProblemResults.Problem(StatusCodes.Status409Conflict, result.Message),
            UpstreamWebhookOutcome.Queued => TypedResults.Accepted((string?)null, new UpstreamWebhookAnswer("queued", result.Message)),
            UpstreamWebhookOutcome.Coalesced => TypedResults.Accepted((string?)null, new UpstreamWebhookAnswer("coalesced", result.Message)),
            UpstreamWebhookOutcome.Pong => TypedResults.Ok(new UpstreamWebhookAnswer("pong", result.Message)),
            _ => TypedResults.Ok(new UpstreamWebhookAnswer("ignored", result.Message)),
        };
    }
}

/// <summary>What the upstream's delivery log shows: <c>queued</c>, <c>coalesced</c>, <c>pong</c> or <c>ignored</c>, and why.</summary>
public sealed record UpstreamWebhookAnswer(string Status, string Detail);
