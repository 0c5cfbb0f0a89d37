using System.Security.Claims;
using Portal.Core;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Core.Tokens;
using Portal.Core.Webhooks;
using Portal.Web.Authentication;
using Portal.Web.Hosting;
using Portal.Web.Webhooks;

namespace Portal.Web.Api;

/// <summary>
/// Webhooks in the API: a mirror's upstream webhook (URL and secret, rotate) and outbound webhooks of a repository
/// (<c>/repos/{owner}/{name}/webhooks</c>) or an organization (<c>/orgs/{org}/webhooks</c>), with their deliveries and
/// redelivery. The same handlers serve both scopes; the route says which.
/// </summary>
public static class WebhookEndpoints
{
    private const int DefaultDeliveriesListed = 20;

    public static RouteGroupBuilder MapWebhooksApi(this RouteGroupBuilder api)
    {
        var repository = api.MapGroup("/repos/{owner}/{name}").RequireScope(TokenScopes.Api);
        repository.MapGet("/upstream-webhook", GetUpstreamWebhookAsync);
        repository.MapPost("/upstream-webhook/rotate", RotateUpstreamWebhookAsync);
        MapSubscriptions(repository.MapGroup("/webhooks"));
        MapSubscriptions(api.MapGroup("/orgs/{org}/webhooks").RequireScope(TokenScopes.Api));
        return api;
    }

    private static void MapSubscriptions(RouteGroupBuilder hooks)
    {
        hooks.MapGet("/", ListAsync);
        hooks.MapPost("/", CreateAsync);
        hooks.MapGet("/{id:long}", GetAsync);
        hooks.MapPatch("/{id:long}", UpdateAsync);
        hooks.MapDelete("/{id:long}", DeleteAsync);
        hooks.MapGet("/{id:long}/deliveries", ListDeliveriesAsync);
        hooks.MapPost("/{id:long}/deliveries/{deliveryId:long}/redeliver", RedeliverAsync);
    }

    private static Task<IResult> GetUpstreamWebhookAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, UpstreamWebhookService upstreamWebhooks, HttpRequest http, PublicBaseUrl publicUrl, CancellationToken cancellationToken) =>
        UpstreamWebhookAsync(owner, name, user, access, http, publicUrl, repository => upstreamWebhooks.SecretAsync(user.UserId(), repository, cancellationToken), cancellationToken);

    private static Task<IResult> RotateUpstreamWebhookAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, UpstreamWebhookService upstreamWebhooks, HttpRequest http, PublicBaseUrl publicUrl, CancellationToken cancellationToken) =>
        UpstreamWebhookAsync(owner, name, user, access, http, publicUrl, repository => upstreamWebhooks.RotateAsync(user.UserId(), repository, cancellationToken), cancellationToken);

    /// <summary>The URL and the secret <paramref name="secretOf"/> gives (the current one, or a rotated one).</summary>
    private static async Task<IResult> UpstreamWebhookAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, HttpRequest http, PublicBaseUrl publicUrl, Func<Repository, Task<Outcome<string>>> secretOf, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var secret = await secretOf(repository);
        return secret.Succeeded ? TypedResults.Ok(UpstreamWebhookResponse.For(repository, secret.Value!, publicUrl.For(http))) : secret.Error!.ToProblem();
    }

    private static async Task<IResult> ListAsync(HttpContext context, WebhookSubscriptionService webhooks, CancellationToken cancellationToken) =>
        await WithScopeAsync(context, async (scope, userId) =>
        {
            var listed = await webhooks.ListAsync(userId, scope, cancellationToken);
            return listed.Succeeded ? TypedResults.Ok(listed.Value!.Select(WebhookResponse.From)) : listed.Error!.ToProblem();
        });

    private static async Task<IResult> CreateAsync(HttpContext context, CreateWebhookBody? body, WebhookSubscriptionService webhooks, CancellationToken cancellationToken) =>
        await WithScopeAsync(context, async (scope, userId) =>
        {
            if (body is null)
            {
                return ProblemResults.Problem(StatusCodes.Status400BadRequest, "Send a JSON body such as {\"url\": \"https://ci.example.com/hooks/portal\", \"secret\": \"…\", \"events\": [\"push\", \"sync.failed\"]}.");
            }

            var created = await webhooks.CreateAsync(userId, scope, new WebhookRequest(body.Url, body.Secret, body.Events, body.Active), cancellationToken);
            return created.Succeeded
                ? TypedResults.Created($"{context.Request.Path.Value!.TrimEnd('/')}/{created.Value!.Id}", WebhookResponse.From(created.Value))
                : created.Error!.ToProblem();
        });

    private static async Task<IResult> GetAsync(HttpContext context, long id, WebhookSubscriptionService webhooks, CancellationToken cancellationToken) =>
        await WithScopeAsync(context, async (scope, userId) =>
        {
            var found = await webhooks.GetAsync(userId, scope, id, cancellationToken);
            return found.Succeeded ? TypedResults.Ok(WebhookResponse.From(found.Value!)) : found.Error!.ToProblem();
        });

    private static async Task<IResult> UpdateAsync(HttpContext context, long id, UpdateWebhookBody? body, WebhookSubscriptionService webhooks, CancellationToken cancellationToken) =>
        await WithScopeAsync(context, async (scope, userId) =>
        {
            if (body is null)
            {
                return ProblemResults.Problem(StatusCodes.Status400BadRequest, "Send the fields to change, e.g. {\"active\": false} or {\"events\": [\"sync.hard_failed\"]}.");
            }

            var updated = await webhooks.UpdateAsync(userId, scope, id, new WebhookRequest(body.Url, body.Secret, body.Events, body.Active), cancellationToken);
            return updated.Succeeded ? TypedResults.Ok(WebhookResponse.From(updated.Value!)) : updated.Error!.ToProblem();
        });

    private static async Task<IResult> DeleteAsync(HttpContext context, long id, WebhookSubscriptionService webhooks, CancellationToken cancellationToken) =>
        await WithScopeAsync(context, async (scope, userId) =>
        {
            var deleted = await webhooks.DeleteAsync(userId, scope, id, cancellationToken);
            return deleted.Succeeded ? TypedResults.NoContent() : deleted.Error!.ToProblem();
        });

    private static async Task<IResult> ListDeliveriesAsync(HttpContext context, long id, int? limit, WebhookSubscriptionService webhooks, CancellationToken cancellationToken) =>
        await WithScopeAsync(context, async (scope, userId) =>
        {
            var listed = await webhooks.DeliveriesAsync(userId, scope, id, limit ?? DefaultDeliveriesListed, cancellationToken);
            return listed.Succeeded ? TypedResults.Ok(listed.Value!.Select(WebhookDeliveryResponse.From)) : listed.Error!.ToProblem();
        });

    private static async Task<IResult> RedeliverAsync(HttpContext context, long id, long deliveryId, WebhookSubscriptionService webhooks, CancellationToken cancellationToken) =>
        await WithScopeAsync(context, async (scope, userId) =>
        {
            var redelivered = await webhooks.RedeliverAsync(userId, scope, id, deliveryId, cancellationToken);
            return redelivered.Succeeded
                ? TypedResults.Accepted($"{context.Request.Path.Value![..context.Request.Path.Value!.IndexOf("/deliveries/", StringComparison.Ordinal)]}/deliveries", WebhookDeliveryResponse.From(redelivered.Value!))
                : redelivered.Error!.ToProblem();
        });

    /// <summary>
    /// Resolves whose webhooks the route names (a repository the caller can read, or an organization they belong to;
    /// anything else looks missing) and runs <paramref name="handle"/> for it.
    /// </summary>
    private static async Task<IResult> WithScopeAsync(HttpContext context, Func<WebhookScope, string, Task<IResult>> handle)
    {
        var user = context.User;
        var route = context.Request.RouteValues;
        var cancellationToken = context.RequestAborted;
        if (route["org"] is string org)
        {
            var scope = await context.RequestServices.GetRequiredService<WebhookSubscriptionService>().OrganizationScopeAsync(user.UserId(), org, cancellationToken);
            return scope.Succeeded ? await handle(scope.Value!, user.UserId()) : scope.Error!.ToProblem();
        }

        var owner = (string)route["owner"]!;
        var name = (string)route["name"]!;
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, context.RequestServices.GetRequiredService<RepositoryAccess>(), cancellationToken);
        return repository is null ? RepositoryEndpoints.NotFound(owner, name) : await handle(WebhookScope.Repository(repository.Id), user.UserId());
    }
}

/// <summary>A mirror's upstream webhook: where the upstream posts, and the secret it signs with (maintainers only).</summary>
public sealed record UpstreamWebhookResponse(string Url, string Secret)
{
    public static UpstreamWebhookResponse For(Repository repository, string secret, string publicBase) =>
        new(UpstreamWebhookEndpoints.Url(publicBase, repository.Owner!.Name, repository.Name), secret);
}

/// <summary>The JSON body of <c>POST …/webhooks</c>; unknown fields are refused.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateWebhookBody(string? Url, string? Secret, IReadOnlyList<string?>? Events, bool? Active);

/// <summary>The JSON body of <c>PATCH …/webhooks/{id}</c>: the fields to change; unknown fields are refused.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateWebhookBody(string? Url, string? Secret, IReadOnlyList<string?>? Events, bool? Active);

/// <summary>A webhook as the API shows it: never its secret.</summary>
public sealed record WebhookResponse(long Id, string Url, IReadOnlyList<string> Events, bool Active, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static WebhookResponse From(WebhookSubscription subscription) =>
        new(subscription.Id, subscription.Url, subscription.EventNames, subscription.Active, subscription.CreatedAt, subscription.UpdatedAt);
}

/// <summary>
/// One delivery: what was sent (headers but the signature, and the body), what the last attempt got back, and its
/// state: <c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c> (retried at <see cref="NextAttemptAt"/>) or
/// <c>hard_failed</c> (Portal gave up; redeliver to try again).
/// </summary>
public sealed record WebhookDeliveryResponse(
    long Id,
    string Guid,
    string Event,
    DateTime CreatedAt,
    long? RedeliveryOf,
    JobStatus? Status,
    int Attempts,
    DateTime? LastAttemptAt,
    DateTime? NextAttemptAt,
    int? ResponseStatus,
    int? DurationMs,
    string? Error,
    string? ResponseSnippet,
    WebhookDeliveryRequest Request)
{
    public static WebhookDeliveryResponse From(WebhookDeliveryView view)
    {
        var d = view.Delivery;
        return new(
            d.Id,
            d.Guid,
            d.Event,
            d.CreatedAt,
            d.RedeliveryOf,
            view.Job?.Status,
            d.Attempts,
            d.LastAttemptAt,
            view.Job?.Status == JobStatus.Failed ? view.Job.DueAt : null,
            d.ResponseStatus,
            d.DurationMs,
            d.Error,
            d.ResponseSnippet,
            new WebhookDeliveryRequest(
                new Dictionary<string, string>
                {
                    ["Content-Type"] = "application/json; charset=utf-8",
                    [WebhookDeliveryJob.EventHeader] = d.Event,
                    [WebhookDeliveryJob.DeliveryHeader] = d.Guid,
                },
                d.RequestBody));
    }
}

public sealed record WebhookDeliveryRequest(IReadOnlyDictionary<string, string> Headers, string Body);
