using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Core.Tokens;
using Portal.Core.Upstreams;
using Portal.Web.Authentication;
using Portal.Web.Hosting;

namespace Portal.Web.Api;

public static class RepositoryEndpoints
{
    public static RouteGroupBuilder MapRepositoriesApi(this RouteGroupBuilder api)
    {
        api.MapPost("/deploy-keys", CreateDeployKeyAsync).RequireScope(TokenScopes.Api);
        var repos = api.MapGroup("/repos").RequireScope(TokenScopes.Api);
        repos.MapPost("/", CreateAsync);
        repos.MapGet("/", ListAsync);
        repos.MapPost("/test-connection", TestConnectionAsync);
        repos.MapGet("/{owner}/{name}", GetAsync);
        repos.MapPatch("/{owner}/{name}", UpdateAsync);
        repos.MapDelete("/{owner}/{name}", DeleteAsync);
        repos.MapPost("/{owner}/{name}/sync", SyncAsync);
        repos.MapPost("/{owner}/{name}/convert", ConvertAsync);
        repos.MapGet("/{owner}/{name}/syncs", ListSyncsAsync);
        repos.MapGet("/{owner}/{name}/events", ListEventsAsync);
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateRepositoryBody? body, ClaimsPrincipal user, RepositoryCreationService creation, SyncRequestService syncs, HttpRequest http, PublicBaseUrl publicUrl, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return ProblemResults.Problem(StatusCodes.Status400BadRequest, "Send a JSON body such as {\"cloneUrl\": \"https://host/org/repo.git\", \"mode\": \"mirror\", \"owner\": \"you\", \"name\": \"repo\"}.");
        }

        var request = body.ToRequest();
        if (!request.Succeeded)
        {
            return request.Error!.ToProblem();
        }

        var created = await creation.CreateAsync(user.UserId(), request.Value!, cancellationToken);
        if (!created.Succeeded)
        {
            return created.Error!.ToProblem();
        }

        var repository = created.Value!;
        var response = RepositoryResponse.From(repository, await syncs.GetStateAsync(repository.Id, cancellationToken), RepositoryRole.Admin, publicUrl.For(http));
        // Mirrors and migrations import in the background: 202 says "accepted, follow the sync status".
        return repository.Mode == RepositoryMode.Hosted
            ? TypedResults.Created($"/api/v1/repos/{response.FullName}", response)
            : TypedResults.Accepted($"/api/v1/repos/{response.FullName}", response);
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, RepositoryAccess access, JobEngine jobs, HttpRequest http, PublicBaseUrl publicUrl, CancellationToken cancellationToken)
    {
        var visible = await access.VisibleToAsync(user.UserId(), cancellationToken);
        var list = await visible.Include(r => r.Owner).Include(r => r.Upstream)
            .OrderBy(r => r.Owner!.Slug).ThenBy(r => r.NormalizedName)
            .Take(1000)
            .ToListAsync(cancellationToken);
        var roles = await access.RolesAsync(list, user.UserId(), cancellationToken);
        var syncs = await jobs.FindManyAsync(MirrorSyncJob.Kind, [.. list.Select(r => r.Id)], cancellationToken);
        var baseUrl = publicUrl.For(http);
        return TypedResults.Ok(list.Select(r => RepositoryResponse.From(r, syncs.GetValueOrDefault(r.Id), roles[r.Id], baseUrl)).ToList());
    }

    private static async Task<IResult> TestConnectionAsync(ConnectionTestRequest? request, ClaimsPrincipal user, ConnectionTestService connectionTest, CancellationToken cancellationToken)
    {
        var result = await connectionTest.TestAsync(user.UserId(), request?.CloneUrl, request?.Auth, request?.HostKeys, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.Error!.ToProblem();
    }

    private static async Task<IResult> CreateDeployKeyAsync(ClaimsPrincipal user, DeployKeyService deployKeys, CancellationToken cancellationToken)
    {
        var key = await deployKeys.CreatePendingAsync(user.UserId(), cancellationToken);
        return TypedResults.Created($"/api/v1/deploy-keys/{key.Id}", new DeployKeyResponse(key.Id, key.PublicKey));
    }

    /// <summary>With <c>?wait=</c>, held until the sync is neither queued nor running (<see cref="SyncWaitQuery"/>); 200 either way.</summary>
    private static async Task<IResult> GetAsync(string owner, string name, string? wait, ClaimsPrincipal user, RepositoryAccess access, SyncRequestService syncs, SyncWaiter waiter, SyncWaitHolds holds, HttpRequest http, PublicBaseUrl publicUrl, CancellationToken cancellationToken)
    {
        if (!SyncWaitQuery.TryParse(wait, out var hold, out var refused))
        {
            return refused;
        }

        using var waitPlace = hold is null ? null : holds.TryHold(user, http.HttpContext);
        if (waitPlace is null)
        {
            // Past the caller's limit the answer comes at once, as without ?wait=: scripts and `portal repo wait` loop
            // on this GET and go on working, only less promptly.
            hold = null;
        }

        var (repository, role) = await FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return NotFound(owner, name);
        }

        if (hold is { } maximum)
        {
            var (held, _) = await SyncWaitQuery.WaitAsync(repository, role, maximum, waiter, access, publicUrl.For(http), cancellationToken);
            return held is null ? NotFound(owner, name) : TypedResults.Ok(held);
        }

        return TypedResults.Ok(RepositoryResponse.From(repository, await syncs.GetStateAsync(repository.Id, cancellationToken), role, publicUrl.For(http)));
    }

    private static async Task<IResult> UpdateAsync(string owner, string name, UpdateRepositoryBody? body, ClaimsPrincipal user, RepositoryAccess access, RepositorySettingsService settings, SyncRequestService syncs, HttpRequest http, PublicBaseUrl publicUrl, CancellationToken cancellationToken)
    {
        var (repository, _) = await FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return NotFound(owner, name);
        }

        if (body is null)
        {
            return ProblemResults.Problem(StatusCodes.Status400BadRequest, "Send the fields to change, e.g. {\"description\": \"...\", \"intervalHours\": 6}.");
        }

        var request = body.ToRequest();
        if (!request.Succeeded)
        {
            // Who may edit is answered first, as the service answers it: someone who may not learns nothing more.
            return (await settings.RefuseUnlessAllowedAsync(user.UserId(), repository, cancellationToken) ?? request.Error!).ToProblem();
        }

        var updated = await settings.UpdateAsync(user.UserId(), repository, request.Value!, cancellationToken);
        if (!updated.Succeeded)
        {
            return updated.Error!.ToProblem();
        }

        var reloaded = await access.FindAsync(owner, name, cancellationToken);
        return TypedResults.Ok(RepositoryResponse.From(reloaded!, await syncs.GetStateAsync(reloaded!.Id, cancellationToken), RepositoryRole.Admin, publicUrl.For(http)));
    }

    private static async Task<IResult> DeleteAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, RepositoryRemovalService removal, CancellationToken cancellationToken)
    {
        var (repository, _) = await FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return NotFound(owner, name);
        }

        var deleted = await removal.DeleteAsync(user.UserId(), repository, cancellationToken);
        return deleted.Succeeded ? TypedResults.NoContent() : deleted.Error!.ToProblem();
    }

    /// <summary>
    /// Queues a sync: 202 <c>{status: "queued"}</c>. With <c>?wait=</c>, held until it ends and answered with the
    /// repository as GET shows it: 200 if it ended in time, 202 if it is still queued or running.
    /// </summary>
    private static async Task<IResult> SyncAsync(string owner, string name, string? wait, ClaimsPrincipal user, RepositoryAccess access, SyncRequestService syncs, SyncWaiter waiter, SyncWaitHolds holds, HttpRequest http, PublicBaseUrl publicUrl, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!SyncWaitQuery.TryParse(wait, out var hold, out var refused))
        {
            return refused;
        }

        // Refused before the sync is queued: a refused request does nothing.
        using var waitPlace = hold is null ? null : holds.TryHold(user, http.HttpContext);
        if (hold is not null && waitPlace is null)
        {
            return SyncWaitHolds.Refuse(response);
        }

        var (repository, role) = await FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return NotFound(owner, name);
        }

        var result = await syncs.RequestAsync(repository, JobTrigger.Api, user.UserId(), cancellationToken);
        if (result.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        if (!result.Succeeded)
        {
            return result.Error!.ToProblem();
        }

        if (hold is not { } maximum)
        {
            return TypedResults.Accepted($"/api/v1/repos/{owner}/{name}", new { status = "queued" });
        }

        var (held, pending) = await SyncWaitQuery.WaitAsync(repository, role, maximum, waiter, access, publicUrl.For(http), cancellationToken);
        if (held is null)
        {
            return NotFound(owner, name);
        }

        return pending ? TypedResults.Accepted($"/api/v1/repos/{owner}/{name}", held) : TypedResults.Ok(held);
    }

    private static async Task<IResult> ConvertAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, RepositoryConversionService conversion, SyncRequestService syncs, HttpRequest http, PublicBaseUrl publicUrl, CancellationToken cancellationToken)
    {
        var (repository, _) = await FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return NotFound(owner, name);
        }

        var converted = await conversion.ConvertToHostedAsync(user.UserId(), repository, cancellationToken);
        if (!converted.Succeeded)
        {
            return converted.Error!.ToProblem();
        }

        var reloaded = await access.FindAsync(owner, name, cancellationToken);
        return TypedResults.Ok(RepositoryResponse.From(reloaded!, await syncs.GetStateAsync(reloaded!.Id, cancellationToken), RepositoryRole.Admin, publicUrl.For(http)));
    }

    private static async Task<IResult> ListSyncsAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, RepositoryActivityService activity, int? limit, CancellationToken cancellationToken)
    {
        var (repository, role) = await FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return NotFound(owner, name);
        }

        var events = (await activity.ListEventsAsync(repository.Id, limit ?? 50, cancellationToken)).Where(e => e.Kind == RepositoryEventKind.Sync).ToList();
        var actors = await activity.ActorNamesAsync(events, cancellationToken);
        return TypedResults.Ok(events.Select(e => RepositoryEventResponse.From(e, actors, role, repository.Upstream?.Url)));
    }

    /// <summary>The activity feed: sync runs and pushes, newest first, with their ref changes.</summary>
    private static async Task<IResult> ListEventsAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, RepositoryActivityService activity, int? limit, CancellationToken cancellationToken)
    {
        var (repository, role) = await FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return NotFound(owner, name);
        }

        var events = await activity.ListEventsAsync(repository.Id, limit ?? 50, cancellationToken);
        var actors = await activity.ActorNamesAsync(events, cancellationToken);
        return TypedResults.Ok(events.Select(e => RepositoryEventResponse.From(e, actors, role, repository.Upstream?.Url)));
    }

    /// <summary>A repository the caller cannot read is reported exactly like one that does not exist.</summary>
    internal static async Task<(Repository? Repository, RepositoryRole Role)> FindReadableAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, CancellationToken cancellationToken)
    {
        var repository = await access.FindAsync(owner, name, cancellationToken);
        if (repository is null)
        {
            return (null, RepositoryRole.None);
        }

        var role = await access.RoleAsync(repository, user.UserId(), cancellationToken);
        return role == RepositoryRole.None ? (null, role) : (repository, role);
    }

    internal static IResult NotFound(string owner, string name) =>
        ProblemResults.Problem(StatusCodes.Status404NotFound, $"There is no repository '{owner}/{name}' that you can see.");
}
