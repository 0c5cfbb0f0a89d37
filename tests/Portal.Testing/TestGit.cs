namespace Portal.Testing;

/// <summary>git for building upstream repositories in tests: a fixed identity and no user or system config.</summary>
public static class TestGit
{
    private static readonly string Home = Directory.CreateTempSubdirectory("portal-test-home-").FullName;

    public static IDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["HOME"] = Home,
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_AUTHOR_NAME"] = "Test Author",
        ["GIT_AUTHOR_EMAIL"] = "author@example.test",
        ["GIT_COMMITTER_NAME"] = "Test Author",
        ["GIT_COMMITTER_EMAIL"] = "author@example.test",
        ["GIT_TERMINAL_PROMPT"] = "0",
    };

    public static string Run(string? workingDirectory, params string[] arguments) =>
        TestProcess.Run("git", workingDirectory, arguments, Environment);

    public static (int ExitCode, string Output) TryRun(string? workingDirectory, params string[] arguments)
    {
        try
        {
            return (0, Run(workingDirectory, arguments));
        }
        catch (InvalidOperationException exception)
        {
            return (1, exception.Message);
        }
    }

    /// <summary>Every ref of a repository (name → object id), as for-each-ref reports it.</summary>
    public static Dictionary<string, string> Refs(string repositoryPath) =>
        Run(repositoryPath, "for-each-ref", "--format=%(refname) %(objectname)")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => parts[1]);
}
