using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Portal.Testing;

/// <summary>
/// Portal as a real process on 127.0.0.1, started from the Portal.Web build output with its own data folder, so
/// browsers, git clients and restart tests talk to exactly what a user runs. Disposing kills it and removes the folder.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> log = new();
    private readonly bool ownsDataDir;

    private PortalProcess(Process process, string dataDir, Uri baseAddress, bool ownsDataDir)
    {
        this.process = process;
        DataDir = dataDir;
        BaseAddress = baseAddress;
        this.ownsDataDir = ownsDataDir;
    }

    public Uri BaseAddress { get; }

    public string DataDir { get; }

    public int ProcessId => process.Id;

    /// <summary>Resident memory of the Portal process (VmRSS), for logging next to a workload.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    public IEnumerable<string> Log => log;

    public static Task<PortalProcess> StartAsync(string? dataDir = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var appHost = AppHostPath();
        var start = new ProcessStartInfo(appHost) { WorkingDirectory = System.IO.Path.GetDirectoryName(appHost)! };
        // Production, as scripts/run and a published install run it: static assets from the build output, no detailed errors.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return StartAsync(start, dataDir, settings, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Portal exactly as README's first command starts it: <c>scripts/run --urls …</c> from the checkout, with nothing
    /// but the data folder and the given settings in the environment (so the script's own defaults apply).
    /// </summary>
    public static Task<PortalProcess> StartRunScriptAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = RepositoryRoot.Path };
        start.ArgumentList.Add(System.IO.Path.Combine(RepositoryRoot.Path, "scripts", "run"));
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment.Remove("ASPNETCORE_URLS");
        // dotnet run builds first (a no-op after scripts/test's build, but it may take a while on a busy machine).
        return StartAsync(start, null, settings, TimeSpan.FromMinutes(5));
    }

    private static async Task<PortalProcess> StartAsync(ProcessStartInfo start, string? dataDir, IReadOnlyDictionary<string, string>? settings, TimeSpan startTimeout)
    {
        var ownsDataDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("portal-e2e-").FullName;
        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        start.Environment["Portal__DataDir"] = dataDir;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var portal = new PortalProcess(process, dataDir, baseAddress, ownsDataDir);
        process.OutputDataReceived += (_, e) => portal.Append(e.Data);
        process.ErrorDataReceived += (_, e) => portal.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await portal.WaitUntilHealthyAsync(startTimeout);
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }

        return portal;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            log.Enqueue(line);
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Portal exited with {process.ExitCode}:\n{string.Join('\n', log)}");
            }

            try
            {
                if ((await http.GetAsync("healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy starting to answer within the request timeout (a loaded CI machine).
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Portal did not become healthy in {timeout.TotalSeconds:0} s:\n{string.Join('\n', log)}");
    }

    /// <summary>The Portal.Web executable built in the same configuration as the tests.</summary>
    private static string AppHostPath()
    {
        var configuration = typeof(PortalProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "PortalConfiguration").Value!;
        var binRoot = System.IO.Path.Combine(RepositoryRoot.Path, "src", "Portal.Web", "bin", configuration);
        var appHost = Directory.Exists(binRoot)
            ? Directory.EnumerateFiles(binRoot, "Portal.Web", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        return appHost ?? throw new FileNotFoundException($"Build Portal.Web ({configuration}) first: no executable under {binRoot}.");
    }

    /// <summary>SIGKILL, as a crash or an OOM killer would: no shutdown code runs. The data folder stays.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        if (ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean: never fail a test over a temp folder.
            }
        }
    }
}
