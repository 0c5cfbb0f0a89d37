using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Portal.Bench;

/// <summary>A background process that is killed on dispose.</summary>
public class BackgroundProcess : IDisposable
{
    private readonly Process process;

    protected BackgroundProcess(string tool, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int ProcessId => process.Id;

    protected virtual void OnLine(string? line)
    {
    }

    public virtual void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class GitDaemon : BackgroundProcess
{
    private GitDaemon(string root, int port)
        : base("git", ["daemon", "--reuseaddr", "--export-all", $"--base-path={root}", "--listen=127.0.0.1", $"--port={port}", root])
    {
        Port = port;
    }

    public int Port { get; }

    public static GitDaemon Start(string root)
    {
        var daemon = new GitDaemon(root, Tool.FreePort());
        Tool.WaitForPort(daemon.Port, TimeSpan.FromSeconds(10));
        return daemon;
    }

    public string Url(string name) => $"git://127.0.0.1:{Port}/{name}.git";
}

/// <summary>The baseline smart-HTTP server: nginx handing requests to git-http-backend through fcgiwrap.</summary>
public sealed class NginxGitBackend : IDisposable
{
    private readonly BackgroundProcess fcgi;
    private readonly BackgroundProcess nginx;

    private NginxGitBackend(BackgroundProcess fcgi, BackgroundProcess nginx, int port)
    {
        this.fcgi = fcgi;
        this.nginx = nginx;
        Port = port;
    }

    public int Port { get; }

    public static NginxGitBackend Start(string projectRoot, string workDir)
    {
        Directory.CreateDirectory(workDir);
        var socket = Path.Combine(workDir, "fcgiwrap.sock");
        var fcgi = new Spawned("fcgiwrap", ["-c", "8", "-s", $"unix:{socket}"]);
        var port = Tool.FreePort();
        var config = Path.Combine(workDir, "nginx.conf");
        // fcgiwrap's socket belongs to the user running the benchmark; nginx's workers must run as that user too.
        var user = Environment.UserName == "root" ? "user root;" : "";
        File.WriteAllText(config, $$"""
            {{user}}
            worker_processes 2;
            error_log {{workDir}}/error.log;
            pid {{workDir}}/nginx.pid;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{workDir}}/body;
                fastcgi_temp_path {{workDir}}/fastcgi;
                proxy_temp_path {{workDir}}/proxy;
                uwsgi_temp_path {{workDir}}/uwsgi;
                scgi_temp_path {{workDir}}/scgi;
                client_max_body_size 0;
                server {
                    listen 127.0.0.1:{{port}};
                    location / {
                        include /etc/nginx/fastcgi_params;
                        fastcgi_buffering off;
                        fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
                        fastcgi_param GIT_PROJECT_ROOT {{projectRoot}};
                        fastcgi_param GIT_HTTP_EXPORT_ALL "";
                        fastcgi_param PATH_INFO $uri;
                        fastcgi_param GIT_PROTOCOL $http_git_protocol;
                        fastcgi_pass unix:{{socket}};
                    }
                }
            }
            """);
        for (var i = 0; i < 100 && !File.Exists(socket); i++)
        {
            Thread.Sleep(50);
        }

        var nginx = new Spawned("nginx", ["-c", config, "-p", workDir, "-g", "daemon off;"]);
        Tool.WaitForPort(port, TimeSpan.FromSeconds(10));
        return new NginxGitBackend(fcgi, nginx, port);
    }

    public string Url(string relativePath) => $"http://127.0.0.1:{Port}/{relativePath}";

    public void Dispose()
    {
        nginx.Dispose();
        fcgi.Dispose();
    }

    private sealed class Spawned(string tool, IEnumerable<string> arguments) : BackgroundProcess(tool, arguments);
}

/// <summary>Portal itself, the Release build, on its own data folder.</summary>
public sealed class PortalServer : BackgroundProcess
{
    public const string Admin = "bench";
    public const string Password = "bench-password";

    private readonly List<string> lines = [];

    private PortalServer(string appHost, string dataDir, int port, IDictionary<string, string> environment)
        : base(appHost, ["--urls", $"http://127.0.0.1:{port}"], environment, Path.GetDirectoryName(appHost))
    {
        Port = port;
        DataDir = dataDir;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Admin}:{Password}")));
    }

    public int Port { get; }

    public string DataDir { get; }

    public HttpClient Http { get; }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }

    public static async Task<PortalServer> StartAsync(string appHost, string dataDir, int maxConcurrent = 4, string schedulerPeriod = "01:00:00", string minInterval = "01:00:00")
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Portal__DataDir"] = dataDir,
            ["Portal__Admin__UserName"] = Admin,
            ["Portal__Admin__Password"] = Password,
            ["Portal__Import__AllowLocalNetwork"] = "true",
            ["Portal__Sync__MinManualInterval"] = "00:00:00",
            ["Portal__Sync__MaxConcurrent"] = maxConcurrent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Portal__Jobs__SchedulerPeriod"] = schedulerPeriod,
            ["Portal__Sync__MinInterval"] = minInterval,
            ["Portal__AuthFailuresPerMinute"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Portal.Core.Jobs.JobScheduler"] = "Information",
        };
        var portal = new PortalServer(appHost, dataDir, Tool.FreePort(), environment);
        for (var i = 0; i < 600; i++)
        {
            try
            {
                if ((await portal.Http.GetAsync("healthz")).IsSuccessStatusCode)
                {
                    // Automation uses a token: Basic with the password runs PBKDF2 on every request, by design.
                    var token = await portal.Http.PostAsJsonAsync("api/v1/tokens", new { name = "bench", scopes = new[] { "api", "read", "write" } });
                    var secret = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
                    portal.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                    return portal;
                }
            }
            catch (HttpRequestException)
            {
                // Not up yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("Portal did not start.");
    }

    protected override void OnLine(string? line)
    {
        if (line is not null)
        {
            lock (lines)
            {
                lines.Add(line);
                // PORTAL_BENCH_LOG=file keeps Portal's log for profiling (with e.g. Logging__LogLevel__Portal.Core.Jobs=Debug).
                if (Environment.GetEnvironmentVariable("PORTAL_BENCH_LOG") is { Length: > 0 } log)
                {
                    File.AppendAllText(log, line + "\n");
                }
            }
        }
    }

    public async Task<JsonElement> RepositoryAsync(string name) =>
        await Http.GetFromJsonAsync<JsonElement>($"api/v1/repos/{Admin}/{name}");

    public async Task CreateMirrorAsync(string name, string url)
    {
        var response = await Http.PostAsJsonAsync("api/v1/repos", new { cloneUrl = url, mode = "mirror", owner = Admin, name, visibility = "public" });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating {name} failed: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>
    /// Until the sync that ends after <paramref name="after"/> succeeded. Each GET is held by Portal until the sync is
    /// neither queued nor running (?wait=), so the measured time ends when the sync did, not at the next poll, and no
    /// polls cost Portal CPU while it syncs.
    /// </summary>
    public async Task WaitForSuccessAsync(string name, DateTime? after)
    {
        while (!await SucceededAfterAsync(name, (await Http.GetFromJsonAsync<JsonElement>($"api/v1/repos/{Admin}/{name}?wait=60")).GetProperty("sync"), after))
        {
        }
    }

    /// <summary>
    /// A sync and its end in one request (<c>POST …/sync?wait=</c> holds the answer until the run's end is recorded);
    /// held GETs only if it is still running after a minute.
    /// </summary>
    public async Task SyncAndWaitAsync(string name, DateTime? after)
    {
        var response = await Http.PostAsync($"api/v1/repos/{Admin}/{name}/sync?wait=60", null);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Sync request for {name} failed: {await response.Content.ReadAsStringAsync()}");
        }

        var sync = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sync");
        if (!await SucceededAfterAsync(name, sync, after))
        {
            await WaitForSuccessAsync(name, after);
        }
    }

    /// <summary>Whether <paramref name="sync"/> is a success after <paramref name="after"/>; throws on a failure.</summary>
    private static async Task<bool> SucceededAfterAsync(string name, JsonElement sync, DateTime? after)
    {
        var status = sync.GetProperty("status").GetString();
        if (status == "succeeded" && sync.GetProperty("lastSuccessAt").GetDateTime() > (after ?? DateTime.MinValue))
        {
            return true;
        }

        if (status is "failed" or "hard_failed")
        {
            throw new InvalidOperationException($"Sync of {name} failed: {sync.GetProperty("lastError").GetString()}");
        }

        if (status is not ("queued" or "running"))
        {
            // Answered at once, the sync asked for not yet queued (or an older end): not asked again at once.
            await Task.Delay(10);
        }

        return false;
    }

    /// <summary>
    /// Waits for an import's commit-graph follow-up job (recorded in the activity as maintenance), so that it does not
    /// run beside, and slow down, whatever the bench times next.
    /// </summary>
    public async Task WaitForCommitGraphAsync(string name)
    {
        var deadline = DateTime.UtcNow.AddMinutes(30);
        while ((await Http.GetFromJsonAsync<JsonElement>($"api/v1/repos/{Admin}/{name}/events")).EnumerateArray().All(e => e.GetProperty("kind").GetString() != "maintenance"))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No commit-graph for {name} after 30 minutes.");
            }

            await Task.Delay(100);
        }
    }

    public async Task<DateTime?> LastSuccessAsync(string name) =>
        (await RepositoryAsync(name)).GetProperty("sync").GetProperty("lastSuccessAt") is { ValueKind: JsonValueKind.String } value ? value.GetDateTime() : null;
}
