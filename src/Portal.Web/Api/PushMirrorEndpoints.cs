using System.Security.Claims;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Portal.Core.Jobs;
using Portal.Core.PushMirrors;
using Portal.Core.Repositories;
using Portal.Core.Tokens;
using Portal.Web.Authentication;
using Portal.Web.Hosting;

namespace Portal.Web.Api;

/// <summary>
/// <c>/api/v1/repos/{owner}/{name}/push-mirrors[/{id}[/sync]]</c>: a repository's push mirror targets, for its
/// maintainers only (a target's URL says where the code goes). Each answer carries the target's run state.
/// </summary>
public static class PushMirrorEndpoints
{
    public static RouteGroupBuilder MapPushMirrorsApi(this RouteGroupBuilder api)
    {
        var mirrors = api.MapGroup("/repos/{owner}/{name}/push-mirrors").RequireScope(TokenScopes.Api);
        mirrors.MapGet("/", ListAsync);
        mirrors.MapPost("/", CreateAsync);
        mirrors.MapGet("/{id:long}", GetAsync);
        mirrors.MapPatch("/{id:long}", UpdateAsync);
        mirrors.MapDelete("/{id:long}", DeleteAsync);
        mirrors.MapPost("/{id:long}/sync", SyncAsync);
        return api;
    }

    private static async Task<IResult> ListAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, PushMirrorService service, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var listed = await service.ListAsync(user.UserId(), repository, cancellationToken);
        return listed.Succeeded ? TypedResults.Ok(listed.Value!.Select(PushMirrorResponse.From).ToList()) : listed.Error!.ToProblem();
    }

    private static async Task<IResult> GetAsync(string owner, string name, long id, ClaimsPrincipal user, RepositoryAccess access, PushMirrorService service, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var found = await service.GetAsync(user.UserId(), repository, id, cancellationToken);
        return found.Succeeded ? TypedResults.Ok(PushMirrorResponse.From(found.Value!)) : found.Error!.ToProblem();
    }

    private static async Task<IResult> CreateAsync(string owner, string name, PushMirrorRequest? body, ClaimsPrincipal user, RepositoryAccess access, PushMirrorService service, HttpRequest http, PublicBaseUrl publicUrl, IServer server, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        if (body?.Url is null)
        {
            return (await access.RefuseUnlessAdminAsync(user.UserId(), repository, "manage its push mirrors", cancellationToken)
                    ?? Core.PortalError.Invalid("Send the target as JSON, e.g. {\"url\": \"https://host/org/repo.git\", \"auth\": {\"username\": \"bot\", \"secret\": \"token\"}}.")).ToProblem();
        }

        var created = await service.CreateAsync(user.UserId(), repository, body, SelfUrls(http, publicUrl, server), cancellationToken);
        return created.Succeeded
            ? TypedResults.Created($"/api/v1/repos/{owner}/{name}/push-mirrors/{created.Value!.Mirror.Id}", PushMirrorResponse.From(created.Value))
            : created.Error!.ToProblem();
    }

    private static async Task<IResult> UpdateAsync(string owner, string name, long id, PushMirrorRequest? body, ClaimsPrincipal user, RepositoryAccess access, PushMirrorService service, HttpRequest http, PublicBaseUrl publicUrl, IServer server, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var updated = await service.UpdateAsync(user.UserId(), repository, id, body ?? new PushMirrorRequest(), SelfUrls(http, publicUrl, server), cancellationToken);
        return updated.Succeeded ? TypedResults.Ok(PushMirrorResponse.From(updated.Value!)) : updated.Error!.ToProblem();
    }

    private static async Task<IResult> DeleteAsync(string owner, string name, long id, ClaimsPrincipal user, RepositoryAccess access, PushMirrorService service, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var deleted = await service.DeleteAsync(user.UserId(), repository, id, cancellationToken);
        return deleted.Succeeded ? TypedResults.NoContent() : deleted.Error!.ToProblem();
    }

    private static async Task<IResult> SyncAsync(string owner, string name, long id, ClaimsPrincipal user, RepositoryAccess access, PushMirrorService service, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var queued = await service.RequestRunAsync(user.UserId(), repository, id, JobTrigger.Api, cancellationToken);
        return queued.Succeeded
            ? TypedResults.Accepted($"/api/v1/repos/{owner}/{name}/push-mirrors/{id}", PushMirrorResponse.From(queued.Value!))
            : queued.Error!.ToProblem();
    }

    /// <summary>Every base URL this Portal answers on (public URL, request host, listening addresses): a target there naming the repository is itself.</summary>
    private static List<string> SelfUrls(HttpRequest http, PublicBaseUrl publicUrl, IServer server)
    {
        var urls = new List<string> { publicUrl.For(http), $"{http.Scheme}://{http.Host}{http.PathBase}".TrimEnd('/') };
        foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            urls.Add(address.TrimEnd('/'));
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.IsLoopback)
            {
                // Listening on a loopback address also answers as "localhost" and 127.0.0.1.
                urls.Add($"{uri.Scheme}://localhost:{uri.Port}");
                urls.Add($"{uri.Scheme}://127.0.0.1:{uri.Port}");
            }
        }

        return urls;
    }
}

/// <summary>A push mirror with its run state; its URL never carries credentials, and only the auth kind is shown.</summary>
public sealed record PushMirrorResponse(
    long Id,
    string Url,
    string Auth,
    bool KeepDivergentRefs,
    bool OnlyProtectedBranches,
    string? BranchFilter,
    bool MirrorTags,
    bool Lfs,
    int IntervalHours,
    string? HostKeys,
    JobStatus Status,
    DateTime? LastAttemptAt,
    DateTime? LastSuccessAt,
    DateTime? NextRunAt,
    string? LastError,
    int ConsecutiveFailures,
    IReadOnlyList<string> DivergedRefs)
{
    public static PushMirrorResponse From(PushMirrorState state)
    {
        var (mirror, job) = (state.Mirror, state.Job);
        return new PushMirrorResponse(
            mirror.Id,
            mirror.Url,
            mirror.AuthKind.ToString().ToLowerInvariant(),
            mirror.KeepDivergentRefs,
            mirror.OnlyProtectedBranches,
            mirror.BranchFilter,
            mirror.MirrorTags,
            mirror.Lfs,
            mirror.IntervalMinutes / 60,
            mirror.PinnedHostKey,
            job?.Status ?? JobStatus.Never,
            job?.LastAttemptAt,
            job?.LastSuccessAt,
            job?.DueAt,
            // Only maintainers see push mirrors, so the error is shown whole (it was scrubbed when recorded).
            job?.LastError,
            job?.ConsecutiveFailures ?? 0,
            mirror.DivergedRefList);
    }
}
