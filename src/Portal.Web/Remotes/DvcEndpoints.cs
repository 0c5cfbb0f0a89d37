using Microsoft.AspNetCore.Diagnostics;
using Portal.Core.Storage;
using Portal.Web.Authentication;
using Portal.Web.GitHttp;
using Portal.Web.Hosting;

namespace Portal.Web.Remotes;

/// <summary>
/// The storage remote at /{owner}/{name}.dvc: what DVC's HTTP remote does on the wire
/// (https://dvc.org/doc/user-guide/data-management/remote-storage/http): HEAD to check, GET (with Range) to download,
/// POST (DVC's default) or PUT to upload, each object at files/md5/ab/cdef… (DVC 3) or ab/cdef… (DVC 2).
/// </summary>
public static class DvcEndpoints
{
    /// <summary>
    /// Each repository's DVC storage remote (DVC's HTTP protocol), counted against the repository's storage quota, and
    /// the DVC-tracked data the Files tab shows from it.
    /// </summary>
    public static IServiceCollection AddDvcStorage(this IServiceCollection services) =>
        // The store holds no per-request state (a folder and the quota's counters), so it is one instance: `dvc status -c`
        // sends thousands of reads a second, and each would otherwise build it anew in its request scope.
        services.AddSingleton<DvcObjectStore>().AddScoped<DvcTrackedData>().AddSingleton<DvcReadAccessCache>();

    public static IEndpointRouteBuilder MapDvcRemote(this IEndpointRouteBuilder app)
    {
        // The regex keeps these apart from /{owner}/{name} pages and the git endpoints.
        app.MapMethods(@"/{owner}/{repo:regex(\.dvc$)}/{first}/{**rest}", ["GET", "HEAD"], ReadAsync).AllowAnonymous().DisableAntiforgery();
        app.MapMethods(@"/{owner}/{repo:regex(\.dvc$)}/{first}/{**rest}", ["POST", "PUT"], WriteAsync).AllowAnonymous().DisableAntiforgery()
            .WithRequestBodyLimit(GitSmartHttpEndpoints.MaxBodyBytes, GitSmartHttpEndpoints.LargeBodyHint, (context, message) => PlainAsync(context, StatusCodes.Status413PayloadTooLarge, message));
        return app;
    }

    /// <summary>
    /// A read takes only singletons: with the access cache warm, nothing is built per request (the authorizer and its
    /// database context are resolved by the cache on a miss only).
    /// </summary>
    private static async Task ReadAsync(string owner, string repo, string first, string? rest, HttpContext context, DvcReadAccessCache reads, DvcObjectStore store)
    {
        var access = await reads.ResolveReadAsync(context, owner, repo[..^4]);
        if (access.Refusal is { } refusal)
        {
            await GitSmartHttpEndpoints.WriteRefusalAsync(context, refusal);
            return;
        }

        var path = DvcObjectStore.ParsePath($"{first}/{rest}");
        if (path is null || !store.Exists(access.Repository!.Id, path.Value.RelativePath))
        {
            BareNotFound(context);
            return;
        }

        await Results.File(store.FullPath(access.Repository.Id, path.Value.RelativePath), "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
    }

    private static async Task WriteAsync(string owner, string repo, string first, string? rest, HttpContext context, RepositoryRequestAuthorizer resolver, DvcObjectStore store)
    {
        var access = await resolver.ResolveAsync(context, owner, repo[..^4], write: true, mirrorIsReadOnly: false);
        if (access.Refusal is { } refusal)
        {
            await GitSmartHttpEndpoints.WriteRefusalAsync(context, refusal);
            return;
        }

        var path = DvcObjectStore.ParsePath($"{first}/{rest}");
        if (path is null)
        {
            await PlainAsync(context, StatusCodes.Status400BadRequest, "Not a DVC object path: expected files/md5/<2 hex>/<30 hex> (DVC 3) or <2 hex>/<30 hex> (DVC 2).");
            return;
        }

        var result = await store.StoreAsync(access.Repository!.Id, path.Value.RelativePath, path.Value.Md5, context.Request.ContentLength, context.Request.Body, context.RequestAborted);
        switch (result.Outcome)
        {
            case StoreOutcome.Mismatch:
                await PlainAsync(context, StatusCodes.Status400BadRequest, result.Message!);
                break;
            case StoreOutcome.OverQuota:
                await PlainAsync(context, StatusCodes.Status507InsufficientStorage, result.Message!);
                break;
            default:
                context.Response.StatusCode = result.Outcome == StoreOutcome.Stored ? StatusCodes.Status201Created : StatusCodes.Status200OK;
                break;
        }
    }

    /// <summary>
    /// A miss, as `dvc status -c` and `dvc push` ask about thousands of objects (fsspec's exists is a GET): a 404 with
    /// an empty body, never the people's not-found page that status code pages would render for a bare 404.
    /// </summary>
    private static void BareNotFound(HttpContext context)
    {
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentLength = 0;
    }

    private static async Task PlainAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n");
    }
}
