using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

using Portal.Git;

namespace Portal.Testing;

/// <summary>
/// A real smart-HTTP upstream on 127.0.0.1: Kestrel passing requests to <c>git http-backend</c> (CGI), with optional
/// Basic auth, and switches to misbehave: answer 500, redirect elsewhere, cut the connection after some bytes, or
/// trickle bytes slowly.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private int requestCount;
    private int held;

    private GitHttpServer(WebApplication app, string root, int port)
    {
        this.app = app;
        Root = root;
        Port = port;
        Lfs = LfsServer.Mounted($"http://127.0.0.1:{port}", Path.Combine(root, "lfs-store"));
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>When set, requests must carry Basic credentials with this user and password.</summary>
    public (string User, string Password)? RequiredCredentials { get; set; }

    /// <summary>Answer every request with 500.</summary>
    public bool FailWith500 { get; set; }

    /// <summary>Answer every request with a 302 to this URL.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>Abort the connection after this many response bytes of a pack (upload-pack POST).</summary>
    public long? CutPackAfterBytes { get; set; }

    /// <summary>Pause this long between 16 kB chunks of a pack response.</summary>
    public TimeSpan? TricklePackDelay { get; set; }

    /// <summary>When set, every request waits for it to complete before it is answered: holds a sync mid-flight.</summary>
    public Task? Hold { get; set; }

    /// <summary>Requests waiting on <see cref="Hold"/> right now.</summary>
    public int Held => held;

    /// <summary>The upstream's own Git LFS server, on this server's origin (&lt;repo&gt;.git/info/lfs), as on GitHub or GitLab.</summary>
    public LfsServer Lfs { get; }

    /// <summary>Whether the Git LFS batch API answers (as on GitHub or GitLab) or 404s (a plain git server).</summary>
    public bool LfsEnabled
    {
        get => Lfs.Enabled;
        set => Lfs.Enabled = value;
    }

    /// <summary>Authorization headers seen, for asserting what clients sent.</summary>
    public List<string> SeenAuthorization { get; } = [];

    public int RequestCount => requestCount;

    /// <summary>Answer in protocol v0 whatever the client asks for (as servers without v2 do): every fetch lists all refs again, and wants must be among them.</summary>
    public bool ProtocolV0Only { get; set; }

    /// <summary>Runs before a request reaches git (e.g. to move a ref between a client's ls-remote and its fetch).</summary>
    public Func<HttpRequest, Task>? BeforeGit { get; set; }

    /// <summary>
    /// What clients asked upload-pack for, in order, as "&lt;repository path&gt; &lt;command&gt;": the protocol v2 command
    /// of each POST (<c>/name.git ls-refs</c>, <c>/name.git fetch</c>), and <c>/name.git advertisement</c> for each
    /// ref advertisement answered in protocol v0 (every ref, listed by the first request).
    /// </summary>
    public ConcurrentQueue<string> UploadPackCommands { get; } = new();

    public string Url(string name) => $"http://127.0.0.1:{Port}/{name}.git";

    public UpstreamRepository CreateRepository(string name) => new(Root, name);

    public static async Task<GitHttpServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("portal-http-").FullName;
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new GitHttpServer(app, root, port);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref requestCount);
        if (Hold is { } hold)
        {
            Interlocked.Increment(ref held);
            try
            {
                await hold;
            }
            finally
            {
                Interlocked.Decrement(ref held);
            }
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        lock (SeenAuthorization)
        {
            SeenAuthorization.Add(authorization);
        }

        if (FailWith500)
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("upstream is broken");
            return;
        }

        if (RedirectTo is not null)
        {
            context.Response.Redirect(RedirectTo + context.Request.Path + context.Request.QueryString);
            return;
        }

        string? remoteUser = null;
        if (RequiredCredentials is { } required)
        {
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{required.User}:{required.Password}"));
            if (authorization != expected)
            {
                context.Response.StatusCode = 401;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"test\"";
                return;
            }

            remoteUser = required.User;
        }

        if (LfsServer.Handles(context.Request.Path))
        {
            await Lfs.HandleAsync(context);
            return;
        }

        if (BeforeGit is { } beforeGit)
        {
            await beforeGit(context.Request);
        }

        await RunHttpBackendAsync(context, remoteUser);
    }

    /// <summary>
    /// Records the v2 command an upload-pack POST carries, or a v0 ref advertisement. POSTs are small enough to read
    /// whole here (git compresses only bodies over 1 kB, which then are not recorded); the body is replayed to git afterwards.
    /// </summary>
    private async Task RecordCommandAsync(HttpRequest request)
    {
        const string endpoint = "/git-upload-pack";
        const string advertisement = "/info/refs";
        var path = request.Path.Value ?? "";
        if (request.Method == "GET" && path.EndsWith(advertisement, StringComparison.Ordinal) && request.Query["service"] == "git-upload-pack"
            && (ProtocolV0Only || !request.Headers["Git-Protocol"].ToString().Contains("version=2", StringComparison.Ordinal)))
        {
            UploadPackCommands.Enqueue($"{path[..^advertisement.Length]} advertisement");
            return;
        }

        if (request.Method != "POST" || !path.EndsWith(endpoint, StringComparison.Ordinal) || request.Headers.ContentEncoding.Count > 0)
        {
            return;
        }

        request.EnableBuffering();
        var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        request.Body.Position = 0;
        var text = Encoding.ASCII.GetString(buffer.ToArray());
        var command = System.Text.RegularExpressions.Regex.Match(text, "^[0-9a-f]{4}command=([a-z-]+)");
        if (command.Success)
        {
            UploadPackCommands.Enqueue($"{path[..^endpoint.Length]} {command.Groups[1].Value}");
        }
    }

    /// <summary>Stores an LFS object upstream and returns the pointer file to commit for it.</summary>
    public string AddLfsObject(byte[] content) => Lfs.AddObject(content);

    private async Task RunHttpBackendAsync(HttpContext context, string? remoteUser)
    {
        var start = new ProcessStartInfo("git", "http-backend")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var request = context.Request;
        start.Environment["GIT_PROJECT_ROOT"] = Root;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["PATH_INFO"] = request.Path.Value ?? "/";
        start.Environment["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        start.Environment["REQUEST_METHOD"] = request.Method;
        start.Environment["CONTENT_TYPE"] = request.ContentType ?? "";
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        start.Environment["SERVER_PROTOCOL"] = "HTTP/1.1";
        start.Environment["GIT_PROTOCOL"] = ProtocolV0Only ? "" : request.Headers["Git-Protocol"].ToString();
        start.Environment["HTTP_CONTENT_ENCODING"] = request.Headers.ContentEncoding.ToString();
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["HOME"] = Root;
        if (request.ContentLength is { } length)
        {
            start.Environment["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (remoteUser is not null)
        {
            start.Environment["REMOTE_USER"] = remoteUser;
        }

        await RecordCommandAsync(request);
        using var process = Process.Start(start)!;
        var stdin = Task.Run(async () =>
        {
            await request.Body.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();
        });
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.BaseStream;

        // CGI headers up to the blank line (Portal's own parser), then the body.
        var head = await CgiResponseHead.ReadAsync(stdout, context.RequestAborted);
        if (head.Status is { } status)
        {
            context.Response.StatusCode = status;
        }

        foreach (var (name, value) in head.Headers)
        {
            context.Response.Headers[name] = value;
        }

        var isPack = request.Method == "POST" && (request.Path.Value ?? "").EndsWith("git-upload-pack", StringComparison.Ordinal);
        var buffer = new byte[16 * 1024];
        long sent = 0;
        int read;
        while ((read = await stdout.ReadAsync(buffer)) > 0)
        {
            if (isPack && CutPackAfterBytes is { } cut && sent + read > cut)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, (int)Math.Max(0, cut - sent)));
                await context.Response.Body.FlushAsync();
                process.Kill(entireProcessTree: true);
                context.Abort();
                return;
            }

            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read));
            sent += read;
            if (isPack && TricklePackDelay is { } delay)
            {
                await context.Response.Body.FlushAsync();
                await Task.Delay(delay);
            }
        }

        await stdin;
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
