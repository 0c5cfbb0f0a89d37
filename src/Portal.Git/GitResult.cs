namespace Portal.Git;

/// <summary>What a git process did. Output is already scrubbed of the command's secrets.</summary>
public sealed record GitResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>The most useful single message: stderr's fatal/error lines, or all of stderr.</summary>
    public string ErrorMessage
    {
        get
        {
            if (TimedOut)
            {
                return "git did not finish in time and was stopped.";
            }

            var lines = StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var important = lines.Where(l => l.StartsWith("fatal:", StringComparison.Ordinal) || l.StartsWith("error:", StringComparison.Ordinal) || l.StartsWith("remote:", StringComparison.Ordinal) || l.Contains("denied", StringComparison.OrdinalIgnoreCase)).ToList();
            var text = string.Join('\n', important.Count > 0 ? important : lines.TakeLast(5));
            return text.Length > 0 ? text : $"git exited with code {ExitCode}.";
        }
    }
}

/// <summary>What <see cref="GitRunner.CopyCappedAsync"/> copied: <see cref="Truncated"/> when git had more than the cap (it was stopped).</summary>
public sealed record GitCopyResult(long BytesCopied, bool Truncated, int? ExitCode)
{
    public bool Succeeded => !Truncated && ExitCode == 0;
}
