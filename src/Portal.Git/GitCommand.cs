namespace Portal.Git;

/// <summary>
/// Builds one git invocation. Fixed options are literals written in Portal's code (<see cref="Option"/>); anything
/// that came from a user or an upstream goes through <see cref="Value"/>, which refuses a leading '-' so it can never
/// be read as an option (the arguments may come from user input and cannot be trusted). Configuration, including
/// secrets, travels in the environment (GIT_CONFIG_KEY_n), never in argv.
/// </summary>
public sealed class GitCommand
{
    private readonly List<string> arguments = [];
    private readonly List<KeyValuePair<string, string>> config = [];
    private readonly List<string> secrets = [];
    private readonly Dictionary<string, string> environment = new(StringComparer.Ordinal);

    private GitCommand(string subcommand)
    {
        arguments.Add(subcommand);
    }

    public static GitCommand Create(string subcommand) => new(subcommand);

    public IReadOnlyList<string> Arguments => arguments;

    public IReadOnlyList<KeyValuePair<string, string>> Config => config;

    /// <summary>Values to redact from anything this command prints.</summary>
    public IReadOnlyList<string> Secrets => secrets;

    public IReadOnlyDictionary<string, string> Environment => environment;

    /// <summary>A fixed option or word written in Portal's code, e.g. "--prune".</summary>
    public GitCommand Option(string literal)
    {
        arguments.Add(literal);
        return this;
    }

    /// <summary>A value from outside Portal's code (a URL, a ref, a name): refused if git could take it for an option.</summary>
    public GitCommand Value(string value)
    {
        GitArgumentGuard.EnsureSafeValue(value);
        arguments.Add(value);
        return this;
    }

    /// <summary>Everything after this is an operand, even if it starts with '-'.</summary>
    public GitCommand EndOfOptions() => Option("--end-of-options");

    /// <summary>Adds "--" and paths after it.</summary>
    public GitCommand Paths(params string[] paths)
    {
        arguments.Add("--");
        arguments.AddRange(paths);
        return this;
    }

    /// <summary>
    /// Adds "--" and paths that git must take literally: a path from a repository or a person ("*.txt", ":(exclude)x")
    /// names exactly that file, never a pattern or pathspec magic.
    /// </summary>
    public GitCommand LiteralPaths(params string[] paths)
    {
        environment["GIT_LITERAL_PATHSPECS"] = "1";
        return Paths(paths);
    }

    /// <summary>Per-invocation configuration, passed through the environment (never argv, never a file).</summary>
    public GitCommand WithConfig(string key, string value, bool secret = false)
    {
        config.Add(new(key, value));
        if (secret)
        {
            secrets.Add(value);
        }

        return this;
    }

    /// <summary>An extra environment variable for this invocation (e.g. GIT_SSH_COMMAND).</summary>
    public GitCommand WithEnvironment(string name, string value)
    {
        environment[name] = value;
        return this;
    }

    /// <summary>A value that must never appear in logs or errors, though it does not travel in this command's config.</summary>
    public GitCommand WithSecret(string? secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            secrets.Add(secret);
        }

        return this;
    }

    /// <summary>
    /// Standard output is data to parse (ref listings), not a message to show: only this command's own secrets are
    /// masked in it, not the patterns that find credentials in messages. Those rewrote ref names that look like tokens
    /// (refs/heads/portal_…), and their regular expressions took 5-14 ms over the 6,000-ref listing every sync reads.
    /// Standard error is scrubbed in full as always.
    /// </summary>
    public GitCommand OutputIsData()
    {
        OutputIsParsedData = true;
        return this;
    }

    public bool OutputIsParsedData { get; private set; }

    public override string ToString() => "git " + string.Join(' ', arguments);
}

public static class GitArgumentGuard
{
    public static void EnsureSafeValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.StartsWith('-'))
        {
            throw new ArgumentException($"A value passed to git may not start with '-': '{value}'.", nameof(value));
        }

        if (value.Any(char.IsControl))
        {
            throw new ArgumentException("A value passed to git may not contain control characters.", nameof(value));
        }
    }
}
