using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Portal.Core.Hosting;
using Portal.Core.ProtectedBranches;
using Portal.Core.Repositories;
using Portal.Git;
using Portal.Web.Authentication;

namespace Portal.Web.GitHttp;

/// <summary>
/// Serves one smart-HTTP request with git's own server side (<c>git http-backend</c>, as CGI): request body streamed
/// into git, git's output streamed into the response, nothing held in memory. The repository path is derived from its
/// id, never from the URL. A transfer that stalls for <see cref="GitOptions.IdleTimeout"/> is killed, and so is one
/// whose client went away.
/// </summary>
public sealed partial class GitHttpBackend(GitRunner git, DataDirectory dataDir, IOptions<GitOptions> options, ILogger<GitHttpBackend> logger)
{
    /// <returns>git's exit code.</returns>
    /// <remarks>For pushes, <c>policy</c> carries the protected branches and the pusher's access to Portal's pre-receive hook.</remarks>
    public async Task<int> ServeAsync(HttpContext context, Repository repository, string service, RepositoryRequestAccess access, bool allowPush, Stream requestBody, byte[]? bodyPrefix = null, PushPolicy? policy = null)
    {
        var request = context.Request;
        var command = GitCommand.Create("http-backend")
            .WithEnvironment("GIT_PROJECT_ROOT", dataDir.RepositoriesPath)
            .WithEnvironment("PATH_INFO", $"/{repository.Id}.git/{service}")
            .WithEnvironment("GIT_HTTP_EXPORT_ALL", "1")
            .WithEnvironment("REQUEST_METHOD", request.Method)
            .WithEnvironment("QUERY_STRING", request.Query["service"] is { Count: 1 } svc && ServiceName().IsMatch(svc.ToString()) ? $"service={svc}" : "")
            .WithEnvironment("CONTENT_TYPE", request.ContentType ?? "")
            .WithEnvironment("REMOTE_ADDR", context.Connection.RemoteIpAddress?.ToString() ?? "")
            .WithEnvironment("SERVER_PROTOCOL", "HTTP/1.1")
            .WithConfig("http.uploadpack", "true")
            .WithConfig("http.receivepack", allowPush ? "true" : "false")
            // Partial clones (--filter) fetch missing objects by id later; access is checked per repository already.
            .WithConfig("uploadpack.allowFilter", "true")
            .WithConfig("uploadpack.allowAnySHA1InWant", "true");
        // Pushes run Portal's own pre-receive policy (ref names, protected branches); every other git command keeps hooks off.
        ReceivePackSettings.Apply(command, allowPush ? dataDir.PushHooksPath : "/dev/null", options.Value);
        policy?.Apply(command);
        if (access.UserName is { } user)
        {
            command.WithEnvironment("REMOTE_USER", user);
        }

        // Protocol v2 is negotiated through this header; pass it on only in its documented shape.
        var protocol = request.Headers["Git-Protocol"].ToString();
        if (protocol.Length > 0 && GitProtocol().IsMatch(protocol))
        {
            command.WithEnvironment("GIT_PROTOCOL", protocol);
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var idle = new GitTransfer.IdleDeadline(context.RequestAborted, options.Value.IdleTimeout);
        await using var process = git.StartStreaming(command, dataDir.RepositoriesPath);
        var feeding = GitTransfer.FeedAsync(process, requestBody, bodyPrefix, idle);
        try
        {
            await WriteHeadersAsync(process.Output, context.Response, idle.Token);
            await GitTransfer.PumpAsync(process.Output, context.Response.Body, idle, flush: true);
            await feeding;
            var exitCode = await process.WaitForExitAsync(idle.Token);
            if (exitCode != 0)
            {
                logger.LogWarning("git http-backend for repository {RepositoryId} exited {ExitCode}: {Error}", repository.Id, exitCode, await process.StandardError);
            }

            return exitCode;
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            // The body, or what it inflated to, outgrew Portal:Git:MaxRequestBodyBytes: git was stopped (FeedAsync) and
            // has answered nothing yet, so the request-body limit answers 413 in git's text shape.
            logger.LogInformation("Git request for repository {RepositoryId} refused: {Reason}", repository.Id, exception.Message);
            throw;
        }
        catch (OperationCanceledException)
        {
            // Client gone or transfer stalled: stop git (disposal kills the process tree).
            logger.LogInformation("Git transfer for repository {RepositoryId} ended early ({Reason})", repository.Id, context.RequestAborted.IsCancellationRequested ? "client disconnected" : "idle timeout");
            process.Kill();
            context.Abort();
            return -1;
        }
        catch (IOException exception)
        {
            logger.LogInformation(exception, "Git transfer for repository {RepositoryId} broke off", repository.Id);
            process.Kill();
            context.Abort();
            return -1;
        }
    }

    /// <summary>CGI headers (up to the blank line) become the response status and headers.</summary>
    private static async Task WriteHeadersAsync(Stream output, HttpResponse response, CancellationToken cancellationToken)
    {
        var head = await CgiResponseHead.ReadAsync(output, cancellationToken);
        if (head.Status is { } status)
        {
            response.StatusCode = status;
        }

        foreach (var (name, value) in head.Headers)
        {
            response.Headers[name] = value;
        }
    }

    [GeneratedRegex("^git-(upload|receive)-pack$")]
    private static partial Regex ServiceName();

    [GeneratedRegex("^[a-z0-9=:.-]{1,64}$")]
    private static partial Regex GitProtocol();
}
