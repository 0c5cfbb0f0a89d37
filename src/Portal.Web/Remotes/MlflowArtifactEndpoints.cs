using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.StaticFiles;
using Portal.Core;
using Portal.Core.Experiments;
using Portal.Web.GitHttp;
using Portal.Web.Hosting;

namespace Portal.Web.Remotes;

/// <summary>
/// The artifact store of the experiment-tracking remote, what a stock MLflow server serves with --serve-artifacts (the
/// MlflowArtifactsService of mlflow/server/handlers.py, as mlflow/store/artifact/http_artifact_repo.py calls it):
/// PUT, GET (with Range) and DELETE on /api/2.0/mlflow-artifacts/artifacts/&lt;path&gt;, and the listing
/// GET /api/2.0/mlflow-artifacts/artifacts?path=&lt;folder&gt;. Multipart upload and presigned download are declined the
/// way the client expects (501 NOT_IMPLEMENTED with MLflow's own message), so it falls back to one PUT or GET; and
/// /api/3.0/mlflow/server-info says so up front, as a stock server with a local artifact store does.
/// Reading needs read access to the repository, everything else write access, as for tracking.
/// </summary>
public static class MlflowArtifactEndpoints
{
    /// <summary>The message MLflow's client matches (_UnsupportedMultipartUploadException.MESSAGE) before it falls back to a plain PUT.</summary>
    public const string MultipartUnsupported = "Multipart upload is not supported for the current artifact repository";

    /// <summary>The same for presigned downloads (_UnsupportedPresignedDownloadException), before a plain GET.</summary>
    public const string PresignedUnsupported = "Presigned download is not supported for the current artifact repository";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IServiceCollection AddMlflowArtifacts(this IServiceCollection services) => services.AddSingleton<ArtifactStore>();

    public static IEndpointRouteBuilder MapMlflowArtifacts(this IEndpointRouteBuilder app)
    {
        const string remote = @"/{owner}/{repo:regex(\.mlflow$)}";
        var artifacts = app.MapGroup($"{remote}/api/2.0/mlflow-artifacts").AllowAnonymous().DisableAntiforgery().AddEndpointFilter(MlflowEndpoints.AnswerFailuresAsync);
        artifacts.MapGet("/artifacts", ListAsync);
        artifacts.MapGet("/artifacts/{**path}", DownloadAsync);
        artifacts.MapPut("/artifacts/{**path}", UploadAsync)
            .WithRequestBodyLimit(GitSmartHttpEndpoints.MaxBodyBytes, GitSmartHttpEndpoints.LargeBodyHint, MlflowEndpoints.RefuseTooLargeAsync);
        artifacts.MapDelete("/artifacts/{**path}", DeleteAsync);
        artifacts.MapPost("/mpu/{step:regex(^(create|complete|abort)$)}/{**path}", (HttpContext c, string owner, string repo) => DeclineAsync(c, owner, repo, write: true, MultipartUnsupported))
            .WithRequestBodyLimit(MlflowEndpoints.MaxRequestBytes, "send less in one request.", MlflowEndpoints.RefuseTooLargeAsync);
        artifacts.MapGet("/mpd/presigned/{**path}", (HttpContext c, string owner, string repo) => DeclineAsync(c, owner, repo, write: false, PresignedUnsupported));
        app.MapGet($"{remote}/api/3.0/mlflow/server-info", ServerInfoAsync).AllowAnonymous().DisableAntiforgery().AddEndpointFilter(MlflowEndpoints.AnswerFailuresAsync);
        return app;
    }

    /// <summary>The content type MLflow's server sends for a file (mimetypes.guess_type; unknown is application/octet-stream).</summary>
    internal static string ContentTypeOf(string fileName) =>
        ContentTypes.TryGetContentType(fileName, out var type) ? type : "application/octet-stream";

    private static async Task ListAsync(HttpContext context, string owner, string repo, ArtifactStore store)
    {
        if (await MlflowEndpoints.AuthorizeAsync(context, owner, repo, write: false) is not { } repository)
        {
            return;
        }

        var folder = ArtifactPath.Parse(context.Request.Query["path"].ToString());
        if (!folder.Succeeded)
        {
            await MlflowEndpoints.Error(folder.Error!).ExecuteAsync(context);
            return;
        }

        // As MLflow: names only (relative to the folder listed), folders without a size, and {} when there is nothing
        // (a missing folder or a file), since protobuf's JSON leaves an empty list out.
        var entries = store.List(repository.Id, folder.Value!);
        object body = entries.Count == 0
            ? new { }
            : new { files = entries.Select(e => e.IsDirectory ? (object)new { path = e.Name, is_dir = true } : new { path = e.Name, is_dir = false, file_size = e.Size }) };
        await Results.Json(body).ExecuteAsync(context);
    }

    private static async Task DownloadAsync(HttpContext context, string owner, string repo, string? path, ArtifactStore store)
    {
        if (await MlflowEndpoints.AuthorizeAsync(context, owner, repo, write: false) is not { } repository)
        {
            return;
        }

        var file = ArtifactPath.Parse(path);
        if (!file.Succeeded || file.Value!.IsRoot)
        {
            await MlflowEndpoints.Error(file.Error ?? PortalError.Invalid("Name the file: GET …/mlflow-artifacts/artifacts/<path>; list a folder with GET …/mlflow-artifacts/artifacts?path=<folder>.")).ExecuteAsync(context);
            return;
        }

        var artifact = file.Value!;
        var found = store.Find(repository.Id, artifact);
        if (found is null || found.IsDirectory)
        {
            await MlflowEndpoints.Error(found is null
                ? PortalError.NotFound($"No artifact at '{artifact}'.")
                : PortalError.Invalid($"'{artifact}' is a folder: list it with GET …/mlflow-artifacts/artifacts?path={artifact}")).ExecuteAsync(context);
            return;
        }

        // A Range nobody can satisfy is answered with a bare 416: Portal's HTML error pages are for people, not for MLflow.
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        // Sent as an attachment, never rendered on Portal's origin (as MLflow does); the sandbox is in case a browser tries.
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        await Results.File(store.FullPath(repository.Id, artifact), ContentTypeOf(found.Name), fileDownloadName: found.Name, enableRangeProcessing: true).ExecuteAsync(context);
    }

    private static async Task UploadAsync(HttpContext context, string owner, string repo, string? path, ArtifactStore store)
    {
        if (await MlflowEndpoints.AuthorizeAsync(context, owner, repo, write: true) is not { } repository)
        {
            return;
        }

        var file = ArtifactPath.Parse(path);
        if (!file.Succeeded || file.Value!.IsRoot || path!.EndsWith('/'))
        {
            await MlflowEndpoints.Error(file.Error ?? PortalError.Invalid("Name the file to upload: PUT …/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<file> (not a folder).")).ExecuteAsync(context);
            return;
        }

        var stored = await store.PutAsync(repository.Id, file.Value!, context.Request.ContentLength, context.Request.Body, context.RequestAborted);
        await (stored.Succeeded ? Results.Json(new { }) : MlflowEndpoints.Error(stored.Error!)).ExecuteAsync(context);
    }

    private static async Task DeleteAsync(HttpContext context, string owner, string repo, string? path, ArtifactStore store)
    {
        if (await MlflowEndpoints.AuthorizeAsync(context, owner, repo, write: true) is not { } repository)
        {
            return;
        }

        var target = ArtifactPath.Parse(path);
        Outcome<bool> deleted = target.Succeeded ? await store.DeleteAsync(repository.Id, target.Value!, context.RequestAborted) : target.Error!;
        await (deleted.Succeeded ? Results.Json(new { }) : MlflowEndpoints.Error(deleted.Error!)).ExecuteAsync(context);
    }

    /// <summary>
    /// Multipart upload (mpu/create|complete|abort) and presigned download (mpd/presigned): the answer of a stock server
    /// whose artifact store is a local folder. The client falls back to a plain PUT or GET when the message starts with
    /// its constant, so the message is MLflow's word for word.
    /// </summary>
    private static async Task DeclineAsync(HttpContext context, string owner, string repo, bool write, string message)
    {
        if (await MlflowEndpoints.AuthorizeAsync(context, owner, repo, write) is null)
        {
            return;
        }

        await MlflowEndpoints.ErrorResult("NOT_IMPLEMENTED", message, StatusCodes.Status501NotImplemented).ExecuteAsync(context);
    }

    /// <summary>
    /// What MLflow 3 clients ask before large transfers and workspace calls (GET /api/3.0/mlflow/server-info), answered as
    /// a stock server with a database backend and a local artifact store answers: no workspaces, no multipart transfers.
    /// </summary>
    private static async Task ServerInfoAsync(HttpContext context, string owner, string repo)
    {
        if (await MlflowEndpoints.AuthorizeAsync(context, owner, repo, write: false) is null)
        {
            return;
        }

        await Results.Json(new
        {
            store_type = "SqlStore",
            workspaces_enabled = false,
            trace_archival_enabled = false,
            multipart_uploads_enabled = false,
            multipart_downloads_enabled = false,
        }).ExecuteAsync(context);
    }
}
