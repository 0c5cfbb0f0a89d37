using Portal.Core.Experiments;
using Portal.Core.Repositories;

namespace Portal.Web.Browsing;

/// <summary>
/// An MLflow artifact's bytes for the run page: /{owner}/{name}/-/artifacts?path=&lt;path in the store&gt; shows a raster
/// image inline (the page's &lt;img&gt;), anything else, and every file with &amp;download=1, as an attachment. Read access
/// and the safety headers are those of <see cref="RawFileEndpoints"/> (the session cookie or a token; nosniff and a
/// sandboxing Content-Security-Policy). Streamed from the store, with Range.
/// </summary>
public static class ArtifactFileEndpoints
{
    public static IEndpointRouteBuilder MapArtifactFiles(this IEndpointRouteBuilder app)
    {
        app.MapGet("/{owner}/{repo}/-/artifacts", ServeAsync);
        return app;
    }

    private static async Task ServeAsync(HttpContext context, string owner, string repo, RepositoryAccess access, ArtifactStore store)
    {
        var cancellationToken = context.RequestAborted;
        var found = await access.FindAsync(owner, repo, cancellationToken);
        var role = found is null ? RepositoryRole.None : await access.RoleAsync(found, await RawFileEndpoints.UserIdAsync(context), cancellationToken);
        if (found is null || role == RepositoryRole.None)
        {
            await RawFileEndpoints.PlainAsync(context, StatusCodes.Status404NotFound, $"There is no repository {owner}/{repo}, or you need to sign in to see it.");
            return;
        }

        var path = ArtifactPath.Parse(context.Request.Query["path"].ToString());
        var file = path.Succeeded && !path.Value!.IsRoot ? store.Find(found.Id, path.Value!) : null;
        if (file is null || file.IsDirectory)
        {
            await RawFileEndpoints.PlainAsync(context, StatusCodes.Status404NotFound, $"There is no artifact file '{context.Request.Query["path"]}' in {owner}/{repo}.");
            return;
        }

        var image = context.Request.Query["download"].Count == 0 ? ArtifactPreview.ImageContentType(file.Name) : null;
        RawFileEndpoints.SetSafeHeaders(context.Response, file.Name, download: image is null);
        await Results.File(store.FullPath(found.Id, path.Value!), image ?? "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
    }
}
