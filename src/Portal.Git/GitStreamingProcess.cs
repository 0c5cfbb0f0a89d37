using System.Diagnostics;

namespace Portal.Git;

/// <summary>A running git process whose stdin and stdout are streams the caller pumps (see <see cref="GitRunner.StartStreaming"/>).</summary>
public sealed class GitStreamingProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly Task<string> standardError;

    internal GitStreamingProcess(Process process, IReadOnlyList<string> secrets)
    {
        this.process = process;
        var reader = process.StandardError;
        standardError = Task.Run(async () => CredentialScrubber.Scrub(await reader.ReadToEndAsync(), secrets));
    }

    public Stream Input => process.StandardInput.BaseStream;

    public Stream Output => process.StandardOutput.BaseStream;

    /// <summary>stderr, scrubbed; complete once the process has exited.</summary>
    public Task<string> StandardError => standardError;

    public int ExitCode => process.ExitCode;

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    public void Kill() => ChildProcess.KillTree(process, logger: null);

    public async ValueTask DisposeAsync()
    {
        Kill();
        await process.WaitForExitAsync(CancellationToken.None);
        process.Dispose();
    }
}
