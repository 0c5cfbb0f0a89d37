using System.Text;
using Microsoft.Extensions.Options;
using Portal.Core.Hosting;
using Portal.Core.Mirroring;
using Portal.Core.ProtectedBranches;
using Portal.Core.Repositories;
using Portal.Git;
using Portal.Web.Authentication;

namespace Portal.Web.GitHttp;

/// <summary>
/// A push to a write-through mirror. git receive-pack runs in a staging repository (<see cref="WriteThroughStaging"/>)
/// with Portal's own checks, so nothing touches the mirror yet; the refs it accepted go to the upstream
/// (<see cref="WriteThroughForwarder"/>), and the client gets one report in receive-pack's own shape: each ref "ok"
/// only if the upstream took it (and the mirror now has it), else "ng" with the upstream's reason, and the upstream's
/// messages as "remote: upstream: …" lines. A push Portal's own checks refuse entirely is answered exactly as for any
/// repository, without contacting the upstream.
/// </summary>
public sealed class WriteThroughReceivePack(
    GitRunner git,
    WriteThroughStaging staging,
    WriteThroughForwarder forwarder,
    ProtectedBranchService protectedBranches,
    DataDirectory dataDir,
    IOptions<GitOptions> options,
    ILogger<WriteThroughReceivePack> logger)
{
    /// <summary>receive-pack's answer is a report and progress lines: kilobytes. More is refused rather than held.</summary>
    private const int MaxReportBytes = 16 * 1024 * 1024;

    public async Task ServeAsync(HttpContext context, RepositoryRequestAccess access, Stream body, byte[] commandBytes, IReadOnlyList<PushCommand> commands, DateTime startedAt)
    {
        var repository = access.Repository!;
        var capabilities = Capabilities(commandBytes);
        var sideBand = capabilities.Contains("side-band-64k") || capabilities.Contains("side-band");
        await using var staged = await staging.CreateAsync(repository.Id, commands, context.RequestAborted);
        var output = await ReceiveAsync(context, access, staged, body, commandBytes);
        if (output is null)
        {
            return;
        }

        var report = ReceivePackReport.Parse(output, sideBand);
        var accepted = commands.Where(c => report.Refs.Any(r => r.Accepted && r.RefName == c.RefName)).ToList();
        context.Response.ContentType = "application/x-git-receive-pack-result";
        context.Response.Headers.CacheControl = "no-cache";
        if (!report.UnpackedOk || accepted.Count == 0)
        {
            // Portal's own checks refused it all: the client reads receive-pack's answer as it is, the upstream is never asked.
            await context.Response.Body.WriteAsync(output);
            return;
        }

        // From here the push is the upstream's: a client that goes away does not cut it short half way.
        var forwarded = await forwarder.ForwardAsync(
            new WriteThroughPush(repository.Id, staged, accepted, capabilities.Contains("atomic"), access.UserId, access.Role, startedAt), CancellationToken.None);
        logger.LogInformation("{User} pushed {Count} ref updates through write-through mirror {RepositoryId}; the upstream refused {Refused}", access.UserName, accepted.Count, repository.Id, forwarded.Refused.Count);
        var refs = report.Refs.Select(r => r.Accepted && forwarded.Refused.TryGetValue(r.RefName, out var reason) ? r with { Accepted = false, Reason = reason } : r);
        using var response = new MemoryStream();
        ReceivePackReport.Write(
            response,
            sideBand,
            capabilities.Contains("side-band-64k") ? 65520 : 1000,
            report.Messages,
            forwarded.Messages,
            "ok",
            refs,
            report: capabilities.Contains("report-status") || capabilities.Contains("report-status-v2"));
        await context.Response.Body.WriteAsync(response.ToArray());
    }

    /// <summary>Runs receive-pack in the staging repository with the client's request; its whole answer, or null when the transfer broke off.</summary>
    private async Task<byte[]?> ReceiveAsync(HttpContext context, RepositoryRequestAccess access, StagedPush staged, Stream body, byte[] commandBytes)
    {
        var command = GitCommand.Create("receive-pack").Option("--stateless-rpc").EndOfOptions().Value(staged.Path)
            // Kept as one pack, so it moves into the mirror whole once the upstream accepted it.
            .WithConfig("receive.unpackLimit", "1");
        ReceivePackSettings.Apply(command, dataDir.PushHooksPath, options.Value);
        (await protectedBranches.PolicyForAsync(access.Repository!.Id, access.Role, context.RequestAborted)).Apply(command);
        if (access.UserName is { } user)
        {
            command.WithEnvironment("REMOTE_USER", user);
        }

        using var idle = new GitTransfer.IdleDeadline(context.RequestAborted, options.Value.IdleTimeout);
        await using var process = git.StartStreaming(command, staged.Path);
        var feeding = GitTransfer.FeedAsync(process, body, commandBytes, idle);
        var output = new MemoryStream();
        try
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await process.Output.ReadAsync(buffer, idle.Token)) > 0)
            {
                if (output.Length + read > MaxReportBytes)
                {
                    throw new IOException("receive-pack answered with more than a report.");
                }

                output.Write(buffer, 0, read);
                idle.Reset();
            }

            await feeding;
            if (await process.WaitForExitAsync(idle.Token) != 0)
            {
                logger.LogWarning("receive-pack for write-through mirror {RepositoryId} exited with an error: {Error}", access.Repository.Id, await process.StandardError);
            }

            return output.ToArray();
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            // Over Portal:Git:MaxRequestBodyBytes: git was stopped, and the request-body limit answers 413.
            throw;
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("Write-through push to repository {RepositoryId} ended early ({Reason})", access.Repository.Id, context.RequestAborted.IsCancellationRequested ? "client disconnected" : "idle timeout");
            process.Kill();
            context.Abort();
            return null;
        }
        catch (IOException exception)
        {
            logger.LogInformation(exception, "Write-through push to repository {RepositoryId} broke off", access.Repository.Id);
            process.Kill();
            context.Abort();
            return null;
        }
    }

    /// <summary>The capabilities the client named after the first command (after a NUL), e.g. side-band-64k, report-status, atomic.</summary>
    internal static HashSet<string> Capabilities(byte[] commandBytes)
    {
        if (commandBytes.Length < 4 || !int.TryParse(Encoding.ASCII.GetString(commandBytes, 0, 4), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var length) || length < 4 || length > commandBytes.Length)
        {
            return [];
        }

        var first = Encoding.UTF8.GetString(commandBytes, 4, length - 4);
        var nul = first.IndexOf('\0');
        return nul < 0 ? [] : [.. first[(nul + 1)..].TrimEnd('\n').Split(' ', StringSplitOptions.RemoveEmptyEntries)];
    }
}
