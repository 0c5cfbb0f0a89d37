using Portal.Core.Browsing;
using Portal.Core.Storage;

namespace Portal.Web.Browsing;

/// <summary>
/// A DVC-tracked file's bytes, behind the Files tab's download link for data: /{owner}/{name}/-/data?ref=…&amp;path=….
/// The file must be one the .dvc and dvc.lock files at that commit declare (directly, or inside a directory output's
/// manifest); it streams from the repository's DVC storage (with Range), as an attachment with the raw endpoints' safe
/// headers. Read access is the page's, checked as for raw files.
/// </summary>
public static class DataFileEndpoints
{
    public static IEndpointRouteBuilder MapDataFiles(this IEndpointRouteBuilder app)
    {
        app.MapGet("/{owner}/{repo}/-/data", ServeAsync);
        return app;
    }

    private static async Task ServeAsync(HttpContext context, string owner, string repo, RepositoryBrowser browser, DvcTrackedData data)
    {
        var found = await RawFileEndpoints.ReadableAsync(context, owner, repo);
        if (found is null)
        {
            return;
        }

        var refName = context.Request.Query["ref"].ToString();
        var path = context.Request.Query["path"].ToString().Trim('/');
        if (refName.Length == 0 || path.Length == 0)
        {
            await RawFileEndpoints.PlainAsync(context, StatusCodes.Status400BadRequest, "Name the file: ?ref=<branch, tag or commit>&path=<path of the DVC-tracked file>.");
            return;
        }

        var commit = browser.Exists(found.Id) ? await browser.ResolveCommitAsync(found.Id, refName, context.RequestAborted) : null;
        var file = commit is null ? null : await data.FindFileAsync(found.Id, commit, path, context.RequestAborted);
        if (file is not ({ } entry, var storedAt))
        {
            await RawFileEndpoints.PlainAsync(context, StatusCodes.Status404NotFound, $"There is no DVC-tracked file {path} at {refName} in {owner}/{repo}.");
            return;
        }

        if (storedAt is null)
        {
            await RawFileEndpoints.PlainAsync(context, StatusCodes.Status404NotFound, $"{path} is tracked by DVC, but its object ({entry.Md5}) is not in this repository's storage: run `dvc push` to send it.");
            return;
        }

        RawFileEndpoints.SetSafeHeaders(context.Response, entry.Name, download: true);
        await Results.File(storedAt, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
    }
}
