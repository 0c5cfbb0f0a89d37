using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Portal.Testing;

/// <summary>
/// A Git LFS server speaking the batch API (download, basic transfers: https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md)
/// on a loopback address of the test's choosing, or mounted inside <see cref="GitHttpServer"/> on the upstream's own
/// origin. It records every request and connection, and can misbehave the ways a hostile upstream would: hand out
/// download hrefs on another host, attach its own headers to actions, answer downloads with a 307 elsewhere, or serve
/// bytes that are not the object.
/// </summary>
public sealed class LfsServer : IAsyncDisposable
{
    private readonly WebApplication? app;
    private readonly string store;
    private int connectionCount;

    private LfsServer(string baseUrl, string store, WebApplication? app)
    {
        BaseUrl = baseUrl;
        this.store = store;
        this.app = app;
        Directory.CreateDirectory(store);
    }

    /// <summary>http://address:port, without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>Whether the batch API answers at all (false: 404, as a plain git server would).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where download hrefs point: this server by default, another server's base URL to send clients elsewhere.</summary>
    public string? HrefBase { get; set; }

    /// <summary>Headers put into every download action's <c>header</c> map.</summary>
    public Dictionary<string, string> ActionHeaders { get; } = [];

    /// <summary>When set, object downloads answer 307 to the same path under this base URL.</summary>
    public string? RedirectDownloadsTo { get; set; }

    /// <summary>When set, downloads serve the object's bytes passed through this (e.g. one byte flipped).</summary>
    public Func<byte[], byte[]>? Tamper { get; set; }

    /// <summary>TCP connections accepted (0 when mounted: the host server owns the connections).</summary>
    public int ConnectionCount => connectionCount;

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>An LFS server of its own on <paramref name="address"/> (any 127.x address), on <paramref name="port"/> or a free one.</summary>
    public static async Task<LfsServer> StartAsync(string address = "127.0.0.1", int? port = null)
    {
        var ip = IPAddress.Parse(address);
        var chosenPort = port ?? FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        LfsServer? server = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(ip, chosenPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                Interlocked.Increment(ref server!.connectionCount);
                return next(connection);
            });
        }));
        var app = builder.Build();
        server = new LfsServer($"http://{address}:{chosenPort}", Directory.CreateTempSubdirectory("portal-lfs-server-").FullName, app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>The LFS API of another server (its handler forwards here), storing objects under <paramref name="store"/>.</summary>
    public static LfsServer Mounted(string baseUrl, string store) => new(baseUrl, store, null);

    public static bool Handles(PathString path) =>
        (path.Value ?? "").EndsWith("/objects/batch", StringComparison.Ordinal) || (path.Value ?? "").StartsWith("/lfs-objects/", StringComparison.Ordinal);

    /// <summary>Stores an object and returns the pointer file to commit for it.</summary>
    public string AddObject(byte[] content)
    {
        var oid = Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllBytes(Path.Combine(store, oid), content);
        return Pointer(content);
    }

    /// <summary>The pointer file git-lfs writes for <paramref name="content"/>.</summary>
    public static string Pointer(byte[] content) =>
        $"version https://git-lfs.github.com/spec/v1\noid sha256:{Convert.ToHexStringLower(SHA256.HashData(content))}\nsize {content.Length}\n";

    /// <summary>Requests whose Authorization (or any header) carried <paramref name="needle"/>.</summary>
    public IEnumerable<SeenRequest> RequestsCarrying(string needle) =>
        Requests.Where(r => r.Headers.Any(h => h.Value.Contains(needle, StringComparison.Ordinal)));

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue(new SeenRequest(request.Method, request.Path.Value ?? "", request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        var path = request.Path.Value ?? "";
        if (!Enabled)
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (path.StartsWith("/lfs-objects/", StringComparison.Ordinal) && request.Method == "GET")
        {
            await DownloadAsync(context, Path.GetFileName(path));
        }
        else if (path.EndsWith("/objects/batch", StringComparison.Ordinal) && request.Method == "POST")
        {
            await BatchAsync(context);
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    private async Task DownloadAsync(HttpContext context, string oid)
    {
        if (RedirectDownloadsTo is { } elsewhere)
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = $"{elsewhere}/lfs-objects/{oid}";
            return;
        }

        var file = Path.Combine(store, oid);
        if (!File.Exists(file))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var content = await File.ReadAllBytesAsync(file);
        if (Tamper is { } tamper)
        {
            // No Content-Length: the client must find the problem in the bytes themselves.
            await context.Response.Body.WriteAsync(tamper(content));
            return;
        }

        context.Response.ContentLength = content.Length;
        await context.Response.Body.WriteAsync(content);
    }

    private async Task BatchAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var hrefBase = HrefBase ?? BaseUrl;
        var header = ActionHeaders.Count == 0 ? null : new Dictionary<string, string>(ActionHeaders);
        var objects = body.RootElement.GetProperty("objects").EnumerateArray().Select(o =>
        {
            var oid = o.GetProperty("oid").GetString()!;
            var size = o.GetProperty("size").GetInt64();
            object answer = File.Exists(Path.Combine(store, oid))
                ? new { oid, size, authenticated = true, actions = new { download = new { href = $"{hrefBase}/lfs-objects/{oid}", header, expires_in = 3600 } } }
                : new { oid, size, error = new { code = 404, message = "Object does not exist" } };
            return answer;
        }).ToList();
        context.Response.ContentType = "application/vnd.git-lfs+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { transfer = "basic", objects }));
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(store, recursive: true);
        }
    }
}

/// <summary>One request an <see cref="LfsServer"/> received, with its headers.</summary>
public sealed record SeenRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    public string? Authorization => Headers.TryGetValue("Authorization", out var value) ? value : null;
}
