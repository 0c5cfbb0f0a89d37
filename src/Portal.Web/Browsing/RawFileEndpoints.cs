using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Core.Browsing;
using Portal.Core.Lfs;
using Portal.Core.Repositories;
using Portal.Web.Authentication;

namespace Portal.Web.Browsing;

/// <summary>
/// A file's bytes, behind the file view's Raw and Download links: /{owner}/{name}/-/raw?ref=…&amp;path=… and
/// /-/download. Read access is the page's (the session cookie, or a token as for git): a repository the visitor cannot
/// read answers exactly like a missing one. User content never renders on Portal's origin: raw is text/plain, download an attachment, both
/// with nosniff and a sandboxing Content-Security-Policy. Git files stream from git (capped at
/// <see cref="BrowsingOptions.MaxRawBytes"/>), Git LFS files from Portal's LFS store (the object, not its pointer).
/// </summary>
public static class RawFileEndpoints
{
    public static IEndpointRouteBuilder MapRawFiles(this IEndpointRouteBuilder app)
    {
        app.MapGet("/{owner}/{repo}/-/raw", (HttpContext context, string owner, string repo) => ServeAsync(context, owner, repo, download: false));
        app.MapGet("/{owner}/{repo}/-/download", (HttpContext context, string owner, string repo) => ServeAsync(context, owner, repo, download: true));
        return app;
    }

    private static async Task ServeAsync(HttpContext context, string owner, string repo, bool download)
    {
        var services = context.RequestServices;
        var cancellationToken = context.RequestAborted;
        var found = await ReadableAsync(context, owner, repo);
        if (found is null)
        {
            return;
        }

        var refName = context.Request.Query["ref"].ToString();
        var path = context.Request.Query["path"].ToString().Trim('/');
        if (refName.Length == 0 || path.Length == 0)
        {
            await PlainAsync(context, StatusCodes.Status400BadRequest, "Name the file: ?ref=<branch, tag or commit>&path=<path of the file>.");
            return;
        }

        var browser = services.GetRequiredService<RepositoryBrowser>();
        var blob = browser.Exists(found.Id) ? await browser.RawAsync(found.Id, refName, path, cancellationToken) : null;
        if (blob is null)
        {
            await PlainAsync(context, StatusCodes.Status404NotFound, $"There is no file {path} at {refName} in {owner}/{repo}.");
            return;
        }

        var fileName = path[(path.LastIndexOf('/') + 1)..];
        SetSafeHeaders(context.Response, fileName, download);
        if (blob.Lfs is { } pointer)
        {
            var store = services.GetRequiredService<LfsObjectStore>();
            if (store.SizeOf(found.Id, pointer.Oid) is null)
            {
                await PlainAsync(context, StatusCodes.Status404NotFound, $"{path} is stored with Git LFS, and its object ({pointer.Oid}) is not in Portal: it was never pushed here, or the mirror has not fetched it.");
                return;
            }

            await Results.File(store.PathOf(found.Id, pointer.Oid), ContentType(download), enableRangeProcessing: true).ExecuteAsync(context);
            return;
        }

        var maxBytes = services.GetRequiredService<IOptions<BrowsingOptions>>().Value.MaxRawBytes;
        if (blob.Size > maxBytes)
        {
            await PlainAsync(context, StatusCodes.Status413PayloadTooLarge, $"{path} is {blob.Size:N0} bytes; raw links serve files up to {maxBytes:N0} bytes (Portal:Browsing:MaxRawBytes). Clone the repository to get it.");
            return;
        }

        context.Response.ContentType = ContentType(download);
        context.Response.ContentLength = blob.Size;
        await browser.CopyBlobAsync(found.Id, blob, context.Response.Body, cancellationToken);
    }

    /// <summary>
    /// The repository when the visitor may read it; otherwise null, the 404 sent (a repository the visitor cannot read
    /// answers exactly like a missing one).
    /// </summary>
    internal static async Task<Repository?> ReadableAsync(HttpContext context, string owner, string repo)
    {
        var access = context.RequestServices.GetRequiredService<RepositoryAccess>();
        var found = await access.FindAsync(owner, repo, context.RequestAborted);
        var role = found is null ? RepositoryRole.None : await access.RoleAsync(found, await UserIdAsync(context), context.RequestAborted);
        if (found is null || role == RepositoryRole.None)
        {
            await PlainAsync(context, StatusCodes.Status404NotFound, $"There is no repository {owner}/{repo}, or you need to sign in to see it.");
            return null;
        }

        return found;
    }

    /// <summary>The signed-in visitor (the pages' cookie), or else whoever an access token or password in the Authorization header names (curl).</summary>
    internal static async Task<string?> UserIdAsync(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated == true)
        {
            return context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        }

        var token = await context.AuthenticateAsync(PortalTokenAuthenticationHandler.SchemeName);
        return token.Succeeded ? token.Principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;
    }

    private static string ContentType(bool download) => download ? "application/octet-stream" : "text/plain; charset=utf-8";

    internal static void SetSafeHeaders(HttpResponse response, string fileName, bool download)
    {
        var disposition = new ContentDispositionHeaderValue(download ? "attachment" : "inline");
        disposition.SetHttpFileName(fileName);
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.XContentTypeOptions = "nosniff";
        // Even if a browser rendered it, the content could run nothing and reach nothing on Portal's origin.
        response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        response.Headers.CacheControl = "private, no-cache";
    }

    internal static async Task PlainAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "private, no-cache";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
