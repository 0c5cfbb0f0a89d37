using System.Text;

namespace Portal.Git;

/// <summary>What a git command printed, read up to a cap (<see cref="GitRunner.ReadCappedAsync(GitCommand, string?, int, CancellationToken)"/>).</summary>
public sealed class GitCappedOutput(byte[] bytes, bool truncated, long bytesRead, int? exitCode, bool timedOut, IReadOnlyList<string> secrets, bool stoppedByReader = false)
{
    /// <summary>The output, at most the cap.</summary>
    public byte[] Bytes => bytes;

    /// <summary>git had more to say and was stopped at the cap.</summary>
    public bool Truncated => truncated;

    /// <summary>Bytes read from git's stdout: never more than the cap + 1.</summary>
    public long BytesRead => bytesRead;

    /// <summary>git's exit code; null when it was stopped (at the cap or the timeout).</summary>
    public int? ExitCode => exitCode;

    public bool TimedOut => timedOut;

    /// <summary>The reader had what it needed and stopped git (see <see cref="GitRunner.ReadCappedAsync(GitCommand, string?, int, Func{ReadOnlyMemory{byte}, bool}?, CancellationToken)"/>).</summary>
    public bool StoppedByReader => stoppedByReader;

    /// <summary>The output can be used: git finished cleanly, or was stopped at the cap (what was read is its valid beginning).</summary>
    public bool Succeeded => !timedOut && (truncated || stoppedByReader || exitCode == 0);

    /// <summary>The output as UTF-8 text, scrubbed like all git output (a cut multi-byte character becomes U+FFFD).</summary>
    public string Text => CredentialScrubber.Scrub(Encoding.UTF8.GetString(bytes), secrets);
}
