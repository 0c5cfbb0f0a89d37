namespace Portal.Cli;

/// <summary>Secrets come from stdin or an environment variable, never from arguments (which other users can read in ps).</summary>
public static class Secrets
{
    public static string FromStdin(string what)
    {
        if (!Console.IsInputRedirected)
        {
            throw new CliException(ExitCodes.Usage, $"Pipe the {what} on stdin, e.g. printf %s \"$SECRET\" | portal …");
        }

        var secret = Console.In.ReadToEnd().TrimEnd('\r', '\n');
        return secret.Length > 0 ? secret : throw new CliException(ExitCodes.Usage, $"The {what} read from stdin is empty.");
    }

    /// <summary>From stdin when asked, else the environment variable; null when neither was given.</summary>
    public static string? FromStdinOrEnvironment(bool stdin, string variable, string what) =>
        stdin ? FromStdin(what) : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
