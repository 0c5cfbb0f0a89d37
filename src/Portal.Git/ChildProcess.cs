using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Portal.Git;

/// <summary>
/// The one way Portal runs a program (git, git-lfs, ssh-keygen, ssh-keyscan): arguments as a list, stdin closed,
/// stdout and stderr read concurrently (never a full pipe and a deadlock), and on timeout or cancellation the whole
/// process tree killed. Callers build the <see cref="ProcessStartInfo"/> (environment, arguments); this runs it.
/// </summary>
internal static class ChildProcess
{
    internal sealed record Finished(int ExitCode, string Output, string Error, bool TimedOut);

    /// <summary>
    /// Runs to completion, after writing <paramref name="standardInput"/> (if any) to stdin. <paramref name="onErrorLine"/> receives stderr lines as they complete ('\r' or '\n': git's
    /// progress). Past <paramref name="timeout"/> the tree is killed and <see cref="Finished.TimedOut"/> set; when
    /// <paramref name="cancellationToken"/> fires instead, the tree is killed and the cancellation rethrown.
    /// </summary>
    public static async Task<Finished> RunAsync(ProcessStartInfo start, TimeSpan timeout, Action<string>? onErrorLine, ILogger logger, CancellationToken cancellationToken, string? standardInput = null)
    {
        using var process = new Process { StartInfo = start };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        process.Start();
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = ReadErrorAsync(process.StandardError, onErrorLine);
        if (standardInput is not null)
        {
            // Small inputs only (a few object names): written whole while stdout and stderr are already being read.
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            KillTree(process, logger);
            await process.WaitForExitAsync(CancellationToken.None);
            if (!timedOut)
            {
                throw;
            }
        }

        return new Finished(process.ExitCode, await output, await error, timedOut);
    }

    /// <summary>Starts a process whose streams the caller pumps; the caller owns (and disposes) it.</summary>
    public static Process Start(ProcessStartInfo start)
    {
        var process = new Process { StartInfo = start };
        process.Start();
        return process;
    }

    public static void KillTree(Process process, ILogger? logger)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            logger?.LogWarning(exception, "Could not kill process {Pid}", process.Id);
        }
    }

    private static async Task<string> ReadErrorAsync(StreamReader reader, Action<string>? onLine)
    {
        if (onLine is null)
        {
            return await reader.ReadToEndAsync();
        }

        // Progress lines end in '\r' (updated in place) or '\n'; report each as it completes.
        var all = new StringBuilder();
        var line = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var c = buffer[i];
                if (c is '\r' or '\n')
                {
                    if (line.Length > 0)
                    {
                        onLine(line.ToString());
                        if (c == '\n')
                        {
                            all.Append(line).Append('\n');
                        }

                        line.Clear();
                    }
                }
                else
                {
                    line.Append(c);
                }
            }
        }

        if (line.Length > 0)
        {
            all.Append(line);
            onLine(line.ToString());
        }

        return all.ToString();
    }
}
