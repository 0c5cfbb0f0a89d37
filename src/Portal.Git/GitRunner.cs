using System.Buffers;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Git;

/// <summary>
/// Runs git the way Gitea's modules/git and GitLab's Gitaly do: arguments as a list (never a shell), a fixed clean
/// environment with Portal's own HOME and no system config, prompts and hooks off, only the transports we allow,
/// stdout and stderr read concurrently, and a timeout after which the whole process tree is killed.
/// </summary>
public sealed class GitRunner(IOptions<GitOptions> options, ILogger<GitRunner> logger)
{
    /// <summary>Configuration every invocation gets, whatever the command.</summary>
    private static readonly KeyValuePair<string, string>[] BaseConfig =
    [
        new("core.hooksPath", "/dev/null"),
        new("init.templateDir", ""),
        new("credential.helper", ""),
        new("core.askPass", ""),
        new("protocol.allow", "never"),
        new("protocol.https.allow", "always"),
        new("protocol.http.allow", "always"),
        new("protocol.git.allow", "always"),
        new("protocol.ssh.allow", "always"),
        new("transfer.fsckObjects", "true"),
        new("fetch.recurseSubmodules", "no"),
        new("submodule.recurse", "false"),
        new("http.followRedirects", "false"),
        new("core.fsyncMethod", "fsync"),
        new("gc.auto", "0"),
        new("maintenance.auto", "false"),
        new("advice.detachedHead", "false"),
        new("safe.directory", "*"),
    ];

    public Task<GitResult> RunAsync(GitCommand command, string? workingDirectory = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunAsync(command, workingDirectory, timeout, onProgress: null, cancellationToken);

    /// <summary>Runs a command that reads its requests from stdin (cat-file --batch-check, rev-list --stdin): a few lines of input.</summary>
    public Task<GitResult> RunWithInputAsync(GitCommand command, string standardInput, string? workingDirectory, CancellationToken cancellationToken = default) =>
        RunAsync(command, workingDirectory, timeout: null, onProgress: null, cancellationToken, standardInput);

    /// <summary>Runs <paramref name="command"/>; <paramref name="onProgress"/> receives stderr lines (git's progress) as they come, scrubbed.</summary>
    public async Task<GitResult> RunAsync(GitCommand command, string? workingDirectory, TimeSpan? timeout, Action<string>? onProgress, CancellationToken cancellationToken, string? standardInput = null)
    {
        var started = Stopwatch.GetTimestamp();
        var finished = await ChildProcess.RunAsync(
            CreateStartInfo(command, workingDirectory),
            timeout ?? options.Value.ShortTimeout,
            onProgress is null ? null : line => onProgress(CredentialScrubber.Scrub(line, command.Secrets)),
            logger,
            cancellationToken,
            standardInput);
        var result = new GitResult(
            finished.ExitCode,
            command.OutputIsParsedData ? CredentialScrubber.ScrubSecrets(finished.Output, command.Secrets) : CredentialScrubber.Scrub(finished.Output, command.Secrets),
            CredentialScrubber.Scrub(finished.Error, command.Secrets),
            finished.TimedOut);
        logger.LogDebug("{Command} exited {ExitCode} in {Elapsed} ms", CredentialScrubber.Scrub(command.ToString(), command.Secrets), result.ExitCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (finished.TimedOut)
        {
            logger.LogWarning("{Command} timed out and was killed", CredentialScrubber.Scrub(command.ToString(), command.Secrets));
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="command"/> and reads at most <paramref name="maxBytes"/> of its output; if git has more to
    /// say, it is stopped there (its process tree killed), as a page showing the start of a file does. Browsing reads
    /// everything whose size the repository decides (a diff, a file, a listing) this way, so Portal's memory stays flat
    /// whatever a commit holds: at most <paramref name="maxBytes"/> + 1 bytes are ever read from git.
    /// </summary>
    public Task<GitCappedOutput> ReadCappedAsync(GitCommand command, string? workingDirectory, int maxBytes, CancellationToken cancellationToken = default) =>
        ReadCappedAsync(command, workingDirectory, maxBytes, enough: null, cancellationToken);

    /// <summary>
    /// As <see cref="ReadCappedAsync(GitCommand, string?, int, CancellationToken)"/>, and git is also stopped as soon as
    /// <paramref name="enough"/>, shown each chunk of output as it arrives, says the reader has what it came for (a
    /// history walk that has found every path it looks for need not walk on to the first commit).
    /// </summary>
    public async Task<GitCappedOutput> ReadCappedAsync(GitCommand command, string? workingDirectory, int maxBytes, Func<ReadOnlyMemory<byte>, bool>? enough, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.ShortTimeout);
        await using var process = StartStreaming(command, workingDirectory);
        process.Input.Close();

        // Reading one byte past the cap tells "exactly maxBytes" from "more than maxBytes".
        var output = new ArrayBufferWriter<byte>(Math.Min(maxBytes + 1, CappedReadChunkBytes));
        long read = 0;
        int? exitCode = null;
        var timedOut = false;
        var stoppedByReader = false;
        try
        {
            while (read <= maxBytes)
            {
                var want = (int)Math.Min(CappedReadChunkBytes, maxBytes + 1 - read);
                var count = await process.Output.ReadAsync(output.GetMemory(want)[..want], deadline.Token);
                if (count == 0)
                {
                    break;
                }

                output.Advance(count);
                read += count;
                // The byte past the cap (if this chunk reached it) only tells that there was more: the reader never sees it.
                if (enough is not null && enough(read > maxBytes ? output.WrittenMemory[^count..^1] : output.WrittenMemory[^count..]))
                {
                    stoppedByReader = true;
                    break;
                }
            }

            if (read > maxBytes || stoppedByReader)
            {
                process.Kill();
                logger.LogDebug("{Command} stopped after {Bytes} bytes of output", CredentialScrubber.Scrub(command.ToString(), command.Secrets), Math.Min(read, maxBytes));
            }
            else
            {
                exitCode = await process.WaitForExitAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            timedOut = true;
            logger.LogWarning("{Command} timed out and was killed", CredentialScrubber.Scrub(command.ToString(), command.Secrets));
        }

        var truncated = read > maxBytes;
        return new GitCappedOutput(output.WrittenSpan[..(int)Math.Min(read, maxBytes)].ToArray(), truncated, read, exitCode, timedOut, command.Secrets, stoppedByReader);
    }

    private const int CappedReadChunkBytes = 64 * 1024;

    /// <summary>
    /// Runs <paramref name="command"/> and copies at most <paramref name="maxBytes"/> of its output to
    /// <paramref name="destination"/> as it comes (a file download: nothing is held in memory), stopping git there. Runs
    /// at most <see cref="GitOptions.TransferTimeout"/>; the caller's token (the client going away) stops it sooner.
    /// </summary>
    public async Task<GitCopyResult> CopyCappedAsync(GitCommand command, string? workingDirectory, Stream destination, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.TransferTimeout);
        await using var process = StartStreaming(command, workingDirectory);
        process.Input.Close();
        var buffer = ArrayPool<byte>.Shared.Rent(CappedReadChunkBytes);
        long copied = 0;
        try
        {
            while (true)
            {
                var count = await process.Output.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, maxBytes + 1 - copied)), deadline.Token);
                if (count == 0)
                {
                    return new GitCopyResult(copied, Truncated: false, await process.WaitForExitAsync(deadline.Token));
                }

                var keep = (int)Math.Min(count, maxBytes - copied);
                await destination.WriteAsync(buffer.AsMemory(0, keep), deadline.Token);
                copied += keep;
                if (keep < count)
                {
                    logger.LogDebug("{Command} stopped after {Bytes} bytes of output", CredentialScrubber.Scrub(command.ToString(), command.Secrets), copied);
                    return new GitCopyResult(copied, Truncated: true, ExitCode: null);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Starts git with its stdin and stdout left open as streams, for serving clones and pushes without holding a pack in
    /// memory. The caller pumps the streams; disposing the handle kills the process tree if it is still running.
    /// </summary>
    public GitStreamingProcess StartStreaming(GitCommand command, string? workingDirectory)
    {
        var start = CreateStartInfo(command, workingDirectory);
        start.StandardOutputEncoding = null;
        var process = ChildProcess.Start(start);
        logger.LogDebug("{Command} started (streaming)", CredentialScrubber.Scrub(command.ToString(), command.Secrets));
        return new GitStreamingProcess(process, command.Secrets);
    }

    private ProcessStartInfo CreateStartInfo(GitCommand command, string? workingDirectory)
    {
        var start = new ProcessStartInfo(options.Value.Executable)
        {
            WorkingDirectory = workingDirectory ?? options.Value.TempPath,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing inherited: no credentials, proxies or config of the host's user leak into git.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = options.Value.HomePath;
        start.Environment["LC_ALL"] = "C";
        start.Environment["LANG"] = "C";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = Path.Combine(options.Value.HomePath, ".gitconfig");
        start.Environment["GIT_PROTOCOL_FROM_USER"] = "0";
        start.Environment["GIT_ALLOW_PROTOCOL"] = "http:https:git:ssh";
        start.Environment["GIT_SSH_COMMAND"] = "ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null";
        start.Environment["GIT_LFS_SKIP_SMUDGE"] = "1";

        var config = BaseConfig.Concat(command.Config).ToList();
        start.Environment["GIT_CONFIG_COUNT"] = config.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < config.Count; i++)
        {
            start.Environment[$"GIT_CONFIG_KEY_{i}"] = config[i].Key;
            start.Environment[$"GIT_CONFIG_VALUE_{i}"] = config[i].Value;
        }

        foreach (var (name, value) in command.Environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }
}
