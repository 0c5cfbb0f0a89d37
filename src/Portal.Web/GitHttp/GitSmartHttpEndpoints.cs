using System.IO.Compression;
using Microsoft.Extensions.Options;
using Portal.Core.Hosting;
using Portal.Core.Lfs;
using Portal.Core.ProtectedBranches;
using Portal.Core.Repositories;
using Portal.Git;
using Portal.Web.Authentication;
using Portal.Web.Hosting;

namespace Portal.Web.GitHttp;

/// <summary>Git's smart HTTP protocol at /{owner}/{name}.git (and /{owner}/{name}): clone, fetch, ls-remote, push; and Git LFS.</summary>
public static class GitSmartHttpEndpoints
{
    /// <summary>Hosted git: smart HTTP served by git http-backend, Git LFS with its object store, and the push record.</summary>
    public static IServiceCollection AddHostedGit(this IServiceCollection services)
    {
        services.AddSingleton<GitHttpBackend>();
        services.AddSingleton<LfsObjectStore>();
        services.AddScoped<PushRecorder>();
        services.AddLfsLocks();
        services.AddScoped<WriteThroughReceivePack>();
        return services;
    }

    public static IEndpointRouteBuilder MapGitSmartHttp(this IEndpointRouteBuilder app)
    {
        // Authentication happens inside, from the Authorization header only: git never carries a session cookie.
        var git = app.MapGroup("/{owner}/{repo}").AllowAnonymous().DisableAntiforgery()
            .WithRequestBodyLimit(MaxBodyBytes, LargeBodyHint, (context, message) => WriteRefusalAsync(context, new RequestRefusal(StatusCodes.Status413PayloadTooLarge, message, false)));
        git.MapGet("/info/refs", InfoRefsAsync);
        git.MapPost("/git-upload-pack", UploadPackAsync);
        git.MapPost("/git-receive-pack", ReceivePackAsync);
        git.MapLfs();
        return app;
    }

    /// <summary>What to do about a push, LFS object or DVC file over the limit.</summary>
    internal const string LargeBodyHint = "send less at once (e.g. push fewer commits), or ask an admin to raise Portal:Git:MaxRequestBodyBytes.";

    /// <summary>The largest push, LFS object or DVC file Portal accepts in one request (Portal:Git:MaxRequestBodyBytes).</summary>
    internal static long MaxBodyBytes(IServiceProvider services) => services.GetRequiredService<IOptions<GitOptions>>().Value.MaxRequestBodyBytes;

    private static async Task InfoRefsAsync(string owner, string repo, HttpContext context, RepositoryRequestAuthorizer resolver, GitHttpBackend backend, DataDirectory dataDir)
    {
        var service = context.Request.Query["service"].ToString();
        if (service is not ("git-upload-pack" or "git-receive-pack"))
        {
            await WriteRefusalAsync(context, new RequestRefusal(StatusCodes.Status403Forbidden, "Portal speaks Git's smart HTTP protocol only: use git 1.6.6 or newer.", false));
            return;
        }

        var push = service == "git-receive-pack";
        var access = await resolver.ResolveAsync(context, owner, repo, write: push);
        if (await RefusedAsync(context, access, dataDir))
        {
            return;
        }

        await backend.ServeAsync(context, access.Repository!, "info/refs", access, allowPush: push, Stream.Null);
    }

    private static async Task UploadPackAsync(string owner, string repo, HttpContext context, RepositoryRequestAuthorizer resolver, GitHttpBackend backend, DataDirectory dataDir)
    {
        var access = await resolver.ResolveAsync(context, owner, repo, write: false);
        if (await RefusedAsync(context, access, dataDir))
        {
            return;
        }

        await using var body = RequestBody(context);
        await backend.ServeAsync(context, access.Repository!, "git-upload-pack", access, allowPush: false, body);
    }

    private static async Task ReceivePackAsync(string owner, string repo, HttpContext context, RepositoryRequestAuthorizer resolver, GitHttpBackend backend, DataDirectory dataDir, PushRecorder pushes, ProtectedBranchService protectedBranches, WriteThroughReceivePack writeThrough, TimeProvider clock, ILogger<GitHttpBackend> logger)
    {
        var access = await resolver.ResolveAsync(context, owner, repo, write: true);
        if (await RefusedAsync(context, access, dataDir))
        {
            return;
        }

        var started = clock.GetUtcNow().UtcDateTime;
        await using var body = RequestBody(context);
        byte[] raw;
        IReadOnlyList<PushCommand> commands;
        try
        {
            (raw, commands) = await ReceivePackCommands.ReadAsync(body, context.RequestAborted);
        }
        catch (Exception exception) when (exception is InvalidDataException or FormatException or EndOfStreamException)
        {
            await WriteRefusalAsync(context, new RequestRefusal(StatusCodes.Status400BadRequest, "The push request is malformed.", false));
            return;
        }

        if (access.Repository!.Mode == RepositoryMode.Mirror)
        {
            // Only write-through mirrors get this far: the push goes to the upstream first.
            await writeThrough.ServeAsync(context, access, body, raw, commands, started);
            return;
        }

        var policy = await protectedBranches.PolicyForAsync(access.Repository.Id, access.Role, context.RequestAborted);
        var exitCode = await backend.ServeAsync(context, access.Repository, "git-receive-pack", access, allowPush: true, body, raw, policy);
        if (exitCode >= 0 && commands.Count > 0)
        {
            var changes = await pushes.RecordAsync(access.Repository!.Id, access.UserId, commands, started, CancellationToken.None);
            logger.LogInformation("{User} pushed {Count} ref changes to repository {RepositoryId}", access.UserName, changes.Count, access.Repository.Id);
        }
    }

    /// <summary>
    /// The request body, gunzipped when the client compressed it (git does for large negotiations). The limit applies to
    /// both sides: the bytes received (the endpoint's <see cref="RequestBodyLimit"/>) and what they inflate to, so a
    /// small gzip bomb stops at the limit instead of flooding git.
    /// </summary>
    private static Stream RequestBody(HttpContext context)
    {
        var encoding = context.Request.Headers.ContentEncoding.ToString();
        return encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase)
            ? new LimitedReadStream(new GZipStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true), MaxBodyBytes(context.RequestServices), leaveOpen: false)
            : context.Request.Body;
    }

    private static async Task<bool> RefusedAsync(HttpContext context, RepositoryRequestAccess access, DataDirectory dataDir)
    {
        if (access.Refusal is { } refusal)
        {
            await WriteRefusalAsync(context, refusal);
            return true;
        }

        if (!Directory.Exists(dataDir.RepositoryPath(access.Repository!.Id)))
        {
            await WriteRefusalAsync(context, new RequestRefusal(StatusCodes.Status404NotFound, "This repository has not been imported yet: try again once its first sync has finished.", false));
            return true;
        }

        return false;
    }

    /// <summary>git shows a text/plain error body to the user as "remote: …" lines.</summary>
    internal static async Task WriteRefusalAsync(HttpContext context, RequestRefusal refusal)
    {
        context.Response.StatusCode = refusal.Status;
        if (refusal.Challenge)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Portal\", charset=\"UTF-8\"";
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(refusal.Message + "\n");
    }
}
