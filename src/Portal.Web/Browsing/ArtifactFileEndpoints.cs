using Portal.Core.Experiments;

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

    private static async Task ServeAsync(HttpContext context, string owner, string repo, ArtifactStore store)
    {
        var found = await RawFileEndpoints.ReadableAsync(context, owner, repo);
        if (found is null)
        {
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
