using System.Text.Json.Serialization;
using System.Text.Json;
using Portal.Core.Lfs;
using Portal.Core;
using Portal.Web.Authentication;
using Portal.Web.Hosting;

namespace Portal.Web.GitHttp;

/// <summary>
/// The Git LFS API (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md): the batch endpoint, basic
/// transfers to and from Portal's object store, and file locks (<see cref="LfsLockEndpoints"/>). Batch actions point at
/// Portal's public URL and carry a short-lived transfer token (<see cref="LfsTransferTokens"/>), never the caller's
/// own credentials; anonymous downloads of public repositories need no header at all.
/// </summary>
public static class LfsEndpoints
{
    internal const string LfsJson = "application/vnd.git-lfs+json";

    /// <summary>A batch request: git-lfs sends 100 objects (~10 KB); this allows ten thousand.</summary>
    private const long MaxBatchBytes = 1024 * 1024;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static RouteGroupBuilder MapLfs(this RouteGroupBuilder git)
    {
        git.MapPost("/info/lfs/objects/batch", BatchAsync).WithRequestBodyLimit(MaxBatchBytes, "send fewer objects per batch request.", RefuseTooLargeAsync);
        git.MapGet("/info/lfs/objects/{oid}", DownloadAsync);
        git.MapPut("/info/lfs/objects/{oid}", UploadAsync).WithRequestBodyLimit(GitSmartHttpEndpoints.MaxBodyBytes, GitSmartHttpEndpoints.LargeBodyHint, RefuseTooLargeAsync);
        git.MapLfsLocks();
        return git;
    }

    private static async Task BatchAsync(string owner, string repo, HttpContext context, RepositoryRequestAuthorizer resolver, LfsObjectStore store, LfsTransferTokens tokens, PublicBaseUrl publicUrl)
    {
        BatchRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<BatchRequest>(context.Request.Body, Json, context.RequestAborted);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request?.Objects is null || request.Operation is not ("download" or "upload"))
        {
            await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "Send a batch request: {\"operation\": \"download\"|\"upload\", \"objects\": [{\"oid\", \"size\"}]}.");
            return;
        }

        var upload = request.Operation == "upload";
        var access = await resolver.ResolveAsync(context, owner, repo, write: upload);
        if (access.Refusal is { } refusal)
        {
            await ErrorAsync(context, refusal.Status, refusal.Message, refusal.Challenge);
            return;
        }

        var repositoryId = access.Repository!.Id;
        var baseUrl = $"{publicUrl.For(context.Request)}/{owner}/{repo}/info/lfs/objects/";
        // A token for this repository and operation only: the caller's own Authorization never leaves this request.
        var operation = upload ? LfsOperation.Upload : LfsOperation.Download;
        var header = access.UserId is { } userId
            ? new Dictionary<string, string> { ["Authorization"] = $"{LfsTransferTokens.Scheme} {tokens.Issue(repositoryId, operation, userId)}" }
            : null;
        var expiresIn = (int)LfsTransferTokens.Lifetime.TotalSeconds;
        var overQuota = upload ? await OverQuotaAsync(request.Objects.Take(10_000), repositoryId, store, context.RequestAborted) : null;
        var objects = request.Objects.Take(10_000).Select(o =>
        {
            if (!LfsObjectStore.IsValidOid(o.Oid) || o.Size < 0)
            {
                return new BatchObject(o.Oid ?? "", o.Size, null, null, new ObjectError(422, "The object id must be 64 lower-case hex digits (SHA-256) and the size not negative."));
            }

            var stored = store.SizeOf(repositoryId, o.Oid!);
            var action = new ObjectAction(baseUrl + o.Oid, header, expiresIn);
            if (upload && stored is null && overQuota is not null)
            {
                return new BatchObject(o.Oid!, o.Size, null, null, new ObjectError(StatusCodes.Status507InsufficientStorage, overQuota));
            }

            return upload
                ? new BatchObject(o.Oid!, o.Size, true, stored is null ? new Dictionary<string, ObjectAction> { ["upload"] = action } : null, null)
                : stored is null
                    ? new BatchObject(o.Oid!, o.Size, null, null, new ObjectError(404, "Object does not exist"))
                    : new BatchObject(o.Oid!, stored.Value, true, new Dictionary<string, ObjectAction> { ["download"] = action }, null);
        }).ToList();
        context.Response.ContentType = LfsJson;
        await JsonSerializer.SerializeAsync(context.Response.Body, new BatchResponse("basic", objects), Json, context.RequestAborted);
    }

    /// <summary>
    /// Why the objects to upload cannot all be stored, or null when they fit the repository's quota. All or nothing:
    /// a push whose objects do not all fit fails anyway, so none is uploaded in vain.
    /// </summary>
    private static async Task<string?> OverQuotaAsync(IEnumerable<RequestedObject> objects, long repositoryId, LfsObjectStore store, CancellationToken cancellationToken)
    {
        var needed = objects.Where(o => LfsObjectStore.IsValidOid(o.Oid) && o.Size >= 0 && store.SizeOf(repositoryId, o.Oid!) is null)
            .DistinctBy(o => o.Oid).Sum(o => (decimal)o.Size);
        var remaining = await store.RemainingAsync(repositoryId, cancellationToken);
        return needed > remaining
            ? $"These objects need {needed:N0} bytes but this repository's storage has {remaining:N0} left (its quota counts DVC and Git LFS together). Remove data or ask an admin to raise Portal:Storage:QuotaBytesPerRepo."
            : null;
    }

    private static async Task DownloadAsync(string owner, string repo, string oid, HttpContext context, RepositoryRequestAuthorizer resolver, LfsObjectStore store)
    {
        var access = await resolver.ResolveLfsTransferAsync(context, owner, repo, LfsOperation.Download);
        if (access.Refusal is { } refusal)
        {
            await ErrorAsync(context, refusal.Status, refusal.Message, refusal.Challenge);
            return;
        }

        if (!LfsObjectStore.IsValidOid(oid) || store.SizeOf(access.Repository!.Id, oid) is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "Object does not exist.");
            return;
        }

        await Results.File(store.PathOf(access.Repository.Id, oid), "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
    }

    private static async Task UploadAsync(string owner, string repo, string oid, HttpContext context, RepositoryRequestAuthorizer resolver, LfsObjectStore store)
    {
        var access = await resolver.ResolveLfsTransferAsync(context, owner, repo, LfsOperation.Upload);
        if (access.Refusal is { } refusal)
        {
            await ErrorAsync(context, refusal.Status, refusal.Message, refusal.Challenge);
            return;
        }

        if (!LfsObjectStore.IsValidOid(oid))
        {
            await ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "The object id must be 64 lower-case hex digits (SHA-256).");
            return;
        }

        var stored = await store.StoreAsync(access.Repository!.Id, oid, context.Request.ContentLength, context.Request.Body, context.RequestAborted);
        if (!stored.Succeeded)
        {
            var status = stored.Error!.Kind == PortalErrorKind.InsufficientStorage ? StatusCodes.Status507InsufficientStorage : StatusCodes.Status400BadRequest;
            await ErrorAsync(context, status, stored.Error.Message);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static Task RefuseTooLargeAsync(HttpContext context, string message) => ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, message);

    private static async Task ErrorAsync(HttpContext context, int status, string message, bool challenge = false)
    {
        context.Response.StatusCode = status;
        if (challenge)
        {
            context.Response.Headers["LFS-Authenticate"] = "Basic realm=\"Portal\"";
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Portal\"";
        }

        context.Response.ContentType = LfsJson;
        await JsonSerializer.SerializeAsync(context.Response.Body, new { message }, Json);
    }

    private sealed record BatchRequest(string? Operation, List<RequestedObject>? Objects);

    private sealed record RequestedObject(string? Oid, long Size);

    private sealed record BatchResponse(string Transfer, List<BatchObject> Objects);

    private sealed record BatchObject(string Oid, long Size, bool? Authenticated, Dictionary<string, ObjectAction>? Actions, ObjectError? Error);

    private sealed record ObjectAction(string Href, Dictionary<string, string>? Header, [property: JsonPropertyName("expires_in")] int ExpiresIn);

    private sealed record ObjectError(int Code, string Message);
}
