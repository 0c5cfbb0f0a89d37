using System.Diagnostics;
using System.Reflection;
using Portal.Testing;

namespace Portal.Tests.Cli;

/// <summary>What one run of the CLI printed and how it ended.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// The built <c>portal</c> executable, run as a user runs it: its own config folder, only the environment given (no
/// PORTAL_* from the test machine), the secret on stdin when one is given.
/// </summary>
public sealed class PortalCli : IDisposable
{
    private readonly string configHome = Directory.CreateTempSubdirectory("portal-cli-config-").FullName;

    public Dictionary<string, string> Environment { get; } = [];

    public string ConfigFile => Path.Combine(configHome, "portal", "config.json");

    public async Task<CliResult> RunWithStdinAsync(string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath()) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PORTAL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["XDG_CONFIG_HOME"] = configHome;
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    public Task<CliResult> RunAsync(params string[] arguments) => RunWithStdinAsync(null, arguments);

    public void Dispose() => Directory.Delete(configHome, recursive: true);

    /// <summary>The CLI built in the same configuration as the tests (the test project builds it).</summary>
    private static string ExecutablePath()
    {
        var configuration = typeof(PortalProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PortalConfiguration").Value!;
        var binRoot = Path.Combine(RepositoryRoot.Path, "src", "Portal.Cli", "bin", configuration);
        return (Directory.Exists(binRoot) ? Directory.EnumerateFiles(binRoot, "portal", SearchOption.AllDirectories).FirstOrDefault() : null)
            ?? throw new FileNotFoundException($"Build Portal.Cli ({configuration}) first: no executable under {binRoot}.");
    }
}
