using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Core;
using Portal.Core.Lfs;
using Portal.Core.Repositories;
using Portal.Web.Authentication;
using Portal.Web.Hosting;

namespace Portal.Web.GitHttp;

/// <summary>
/// The Git LFS locking API (https://github.com/git-lfs/git-lfs/blob/main/docs/api/locking.md) at
/// /{owner}/{name}.git/info/lfs/locks: <c>git lfs lock</c>, <c>locks</c>, <c>unlock</c> and the check before a push.
/// Taking, verifying and releasing locks needs push access (so mirrors, read-only, refuse them); listing needs read.
/// </summary>
public static class LfsLockEndpoints
{
    /// <summary>A lock request is a path and a ref name: a few hundred bytes.</summary>
    private const long MaxRequestBytes = 64 * 1024;

    public static IServiceCollection AddLfsLocks(this IServiceCollection services) => services.AddScoped<LfsLockService>();

    public static RouteGroupBuilder MapLfsLocks(this RouteGroupBuilder git)
    {
        git.MapPost("/info/lfs/locks", CreateAsync).WithRequestBodyLimit(MaxRequestBytes, "send a smaller request.", RefuseTooLargeAsync);
        git.MapGet("/info/lfs/locks", ListAsync);
        git.MapPost("/info/lfs/locks/verify", VerifyAsync).WithRequestBodyLimit(MaxRequestBytes, "send a smaller request.", RefuseTooLargeAsync);
        git.MapPost("/info/lfs/locks/{id}/unlock", UnlockAsync).WithRequestBodyLimit(MaxRequestBytes, "send a smaller request.", RefuseTooLargeAsync);
        return git;
    }

    private static async Task CreateAsync(string owner, string repo, HttpContext context, RepositoryRequestAuthorizer resolver, LfsLockService locks)
    {
        if (await AuthorizeAsync(owner, repo, context, resolver, write: true) is not { } access)
        {
            return;
        }

        var request = await ReadAsync<LockRequest>(context);
        var result = await locks.CreateAsync(access.Repository!.Id, request?.Path, access.UserId!, access.UserName ?? "", context.RequestAborted);
        if (!result.Succeeded)
        {
            await ErrorAsync(context, StatusOf(result.Error!), result.Error!.Message);
            return;
        }

        var (held, created) = result.Value!;
        await WriteAsync(context, created ? StatusCodes.Status201Created : StatusCodes.Status409Conflict, created
            ? new LockResponse(View(held), null)
            : new LockResponse(View(held), $"{held.Path} is already locked by {held.OwnerName}."));
    }

    private static async Task ListAsync(string owner, string repo, HttpContext context, RepositoryRequestAuthorizer resolver, LfsLockService locks)
    {
        if (await AuthorizeAsync(owner, repo, context, resolver, write: false) is not { } access)
        {
            return;
        }

        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : (int?)null;
        var page = await locks.ListAsync(access.Repository!.Id, query["path"], query["id"], query["cursor"], limit, context.RequestAborted);
        await WriteAsync(context, StatusCodes.Status200OK, new ListResponse([.. page.Locks.Select(View)], page.NextCursor));
    }

    private static async Task VerifyAsync(string owner, string repo, HttpContext context, RepositoryRequestAuthorizer resolver, LfsLockService locks)
    {
        if (await AuthorizeAsync(owner, repo, context, resolver, write: true) is not { } access)
        {
            return;
        }

        var request = await ReadAsync<VerifyRequest>(context);
        var page = await locks.ListAsync(access.Repository!.Id, path: null, id: null, request?.Cursor, request?.Limit, context.RequestAborted);
        var userId = access.UserId;
        await WriteAsync(context, StatusCodes.Status200OK, new VerifyResponse(
            [.. page.Locks.Where(l => l.OwnerUserId == userId).Select(View)],
            [.. page.Locks.Where(l => l.OwnerUserId != userId).Select(View)],
            page.NextCursor));
    }

    private static async Task UnlockAsync(string owner, string repo, string id, HttpContext context, RepositoryRequestAuthorizer resolver, LfsLockService locks)
    {
        if (await AuthorizeAsync(owner, repo, context, resolver, write: true) is not { } access)
        {
            return;
        }

        var request = await ReadAsync<UnlockRequest>(context);
        var result = await locks.UnlockAsync(access.Repository!.Id, id, access.UserId!, request?.Force == true, mayForce: access.Role >= RepositoryRole.Admin, context.RequestAborted);
        if (!result.Succeeded)
        {
            await ErrorAsync(context, StatusOf(result.Error!), result.Error!.Message);
            return;
        }

        await WriteAsync(context, StatusCodes.Status200OK, new LockResponse(View(result.Value!), null));
    }

    /// <summary>The caller's access, or null once the refusal (with the challenge git-lfs needs to ask for credentials) is written.</summary>
    private static async Task<RepositoryRequestAccess?> AuthorizeAsync(string owner, string repo, HttpContext context, RepositoryRequestAuthorizer resolver, bool write)
    {
        var access = await resolver.ResolveAsync(context, owner, repo, write);
        if (access.Refusal is { } refusal)
        {
            if (refusal.Challenge)
            {
                context.Response.Headers["LFS-Authenticate"] = "Basic realm=\"Portal\"";
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"Portal\"";
            }

            await ErrorAsync(context, refusal.Status, refusal.Message);
            return null;
        }

        if (write && access.UserId is null)
        {
            // Write access always comes with a person; the guard keeps a lock from being taken by nobody.
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, "Sign in to lock files.");
            return null;
        }

        return access;
    }

    private static async Task<T?> ReadAsync<T>(HttpContext context)
        where T : class
    {
        try
        {
            return context.Request.ContentLength == 0 ? null : await JsonSerializer.DeserializeAsync<T>(context.Request.Body, LfsEndpoints.Json, context.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int StatusOf(PortalError error) => error.Kind switch
    {
        PortalErrorKind.NotFound => StatusCodes.Status404NotFound,
        PortalErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        PortalErrorKind.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status422UnprocessableEntity,
    };

    private static LockView View(LfsLock held) =>
        new(held.Id, held.Path, held.LockedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), new LockOwner(held.OwnerName));

    private static Task RefuseTooLargeAsync(HttpContext context, string message) => ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, message);

    private static Task ErrorAsync(HttpContext context, int status, string message) => WriteAsync(context, status, new { message });

    private static async Task WriteAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = LfsEndpoints.LfsJson;
        await JsonSerializer.SerializeAsync(context.Response.Body, body, body.GetType(), LfsEndpoints.Json, context.RequestAborted);
    }

    private sealed record LockRequest(string? Path);

    private sealed record VerifyRequest(string? Cursor, int? Limit);

    private sealed record UnlockRequest(bool? Force);

    private sealed record LockOwner(string Name);

    private sealed record LockView(string Id, string Path, [property: JsonPropertyName("locked_at")] string LockedAt, LockOwner Owner);

    private sealed record LockResponse(LockView Lock, string? Message);

    private sealed record ListResponse(IReadOnlyList<LockView> Locks, [property: JsonPropertyName("next_cursor")] string? NextCursor);

    private sealed record VerifyResponse(IReadOnlyList<LockView> Ours, IReadOnlyList<LockView> Theirs, [property: JsonPropertyName("next_cursor")] string? NextCursor);
}
