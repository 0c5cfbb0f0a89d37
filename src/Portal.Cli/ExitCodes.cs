namespace Portal.Cli;

/// <summary>The exit codes scripts can rely on (README lists them); they never change meaning, only new ones are added.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The operation ran and failed: the sync <c>repo wait</c> watched ended in failure.</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments, or no Portal URL, token or secret given.</summary>
    public const int Usage = 2;

    /// <summary>Portal did not accept the credentials (401) or they do not allow this (403).</summary>
    public const int Unauthorized = 3;

    /// <summary>The repository, webhook or delivery does not exist (or is not visible to you).</summary>
    public const int NotFound = 4;

    /// <summary>Portal refused the request as given: invalid input (400), a conflict (409), too soon (429).</summary>
    public const int Refused = 5;

    /// <summary>Portal could not be reached, timed out, or failed itself (5xx).</summary>
    public const int Unreachable = 6;
}

/// <summary>Ends a command with a message for people (stderr) and an exit code for scripts.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
