using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Outbound;
using Portal.Testing;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mirroring;

namespace Portal.Tests.Hardening;

/// <summary>
/// Portal as a careful deployment runs it: no blanket local-network access, only 127.0.0.1 listed in
/// Portal:Import:AllowedHosts (so 127.0.0.2 stays refused), and DNS answers the test scripts.
/// </summary>
public sealed class EgressPortalFactory : MirrorPortalFactory
{
    public ScriptedResolver Resolver { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Portal:Import:AllowLocalNetwork"] = "false",
        ["Portal:Import:AllowedHosts:0"] = "127.0.0.1",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IHostResolver>();
        services.AddSingleton<IHostResolver>(Resolver);
    }
}

/// <summary>
/// Git LFS for mirrors against a hostile upstream: Portal decides the LFS endpoint, every connection (batch, href,
/// redirect) passes the address policy pinned to the checked address, the mirror's token goes to the upstream's origin
/// only, and objects are verified before they are stored.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class LfsEgressTests(EgressPortalFactory portal, GitHttpFixture http) : IClassFixture<EgressPortalFactory>, IClassFixture<GitHttpFixture>, IDisposable
{
    private const string UpstreamUser = "mirror-bot";
    private const string UpstreamToken = "glpat-LfsEgressT0ken-4b5c6d";
    private static readonly string BasicToken = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UpstreamUser}:{UpstreamToken}"));

    private GitHttpServer Upstream => http.Server;

    private static object Auth => new { username = UpstreamUser, secret = UpstreamToken };

    /// <summary>An upstream using LFS for *.bin, with one object per content, stored on the upstream's own LFS server.</summary>
    private (UpstreamRepository Repository, string[] Pointers) NewLfsUpstream(string name, params byte[][] contents)
    {
        var repository = Upstream.CreateRepository(name);
        repository.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.bin filter=lfs diff=lfs merge=lfs -text\n"));
        var pointers = contents.Select((content, i) =>
        {
            var pointer = Upstream.AddLfsObject(content);
            repository.Commit("main", file: $"object{i}.bin", content: Encoding.UTF8.GetBytes(pointer));
            return pointer;
        }).ToArray();
        repository.Push();
        return (repository, pointers);
    }

    private static byte[] Content(string label) => Encoding.UTF8.GetBytes($"{label} {Guid.NewGuid()}");

    private string StoredObject(JsonElement repository, string pointer)
    {
        var oid = Oid(pointer);
        return Path.Combine(portal.DataDir, "lfs", repository.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), "objects", oid[..2], oid[2..4], oid);
    }

    private static string Oid(string pointer) => pointer.Split('\n').Single(l => l.StartsWith("oid sha256:", StringComparison.Ordinal))["oid sha256:".Length..];

    private static async Task<string> LastRunTextAsync(MirrorApi api, string name) =>
        (await api.SyncRunsAsync(name))[0].GetProperty("error").GetString() ?? "";

    /// <summary>The token (and its Basic form) reached none of these servers.</summary>
    private static void AssertTokenNeverReached(params LfsServer[] servers)
    {
        foreach (var server in servers)
        {
            Assert.Empty(server.RequestsCarrying(UpstreamToken));
            Assert.Empty(server.RequestsCarrying(BasicToken));
        }
    }

    [Fact]
    public async Task UpstreamLfsConfig_IsNeverObeyed_TheDerivedEndpointIsUsed()
    {
        // The decoy listens on 127.0.0.1, an allowed address: only Portal's own rule (never read .lfsconfig) keeps it out.
        await using var decoy = await LfsServer.StartAsync();
        Upstream.RequiredCredentials = (UpstreamUser, UpstreamToken);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfsconfig");
        var weights = Content("weights");
        var (repository, pointers) = NewLfsUpstream(name, weights);
        repository.Commit("main", file: ".lfsconfig", content: Encoding.UTF8.GetBytes($"[lfs]\n\turl = {decoy.BaseUrl}/x\n"));
        repository.Push();

        var mirror = await api.ImportAsync(name, Upstream.Url(name), auth: Auth);

        Assert.Equal("succeeded", MirrorApi.Status(mirror));
        Assert.Equal(0, decoy.ConnectionCount);
        Assert.Equal(weights, await File.ReadAllBytesAsync(StoredObject(mirror, pointers[0])));
        Assert.StartsWith("Git LFS: fetched 1 object", await LastRunTextAsync(api, name));
        Assert.Contains(Upstream.Lfs.Requests, r => r.Path == $"/{name}.git/info/lfs/objects/batch" && r.Authorization == $"Basic {BasicToken}");
    }

    [Fact]
    public async Task DownloadHref_OnAnAddressOutsideAllowedHosts_ReceivesNothing_AndTheNextSyncRetries()
    {
        await using var trap = await LfsServer.StartAsync("127.0.0.2");
        Upstream.RequiredCredentials = (UpstreamUser, UpstreamToken);
        Upstream.Lfs.HrefBase = trap.BaseUrl;
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfshref");
        var weights = Content("weights");
        var (_, pointers) = NewLfsUpstream(name, weights);

        var mirror = await api.ImportAsync(name, Upstream.Url(name), auth: Auth);

        Assert.Equal(0, trap.ConnectionCount);
        Assert.Equal("succeeded", MirrorApi.Status(mirror));
        var warning = await LastRunTextAsync(api, name);
        Assert.StartsWith("Warning: Git LFS: 1 of 1 objects not fetched; the next sync tries again.", warning);
        Assert.Contains(Oid(pointers[0]), warning);
        Assert.Contains("127.0.0.2, an internal address", warning);
        Assert.False(File.Exists(StoredObject(mirror, pointers[0])));

        // Nothing changed upstream but the LFS server now behaves: the pending object is fetched.
        Upstream.Lfs.HrefBase = null;
        var retried = await api.SyncAndWaitAsync(name);
        Assert.Equal(weights, await File.ReadAllBytesAsync(StoredObject(retried, pointers[0])));
        Assert.StartsWith("Git LFS: fetched 1 object", await LastRunTextAsync(api, name));
        Assert.Equal(0, trap.ConnectionCount);
    }

    [Fact]
    public async Task DownloadHref_OnAnotherOrigin_GetsTheObjectRequest_ButNotTheMirrorsToken()
    {
        await using var cdn = await LfsServer.StartAsync();
        Upstream.RequiredCredentials = (UpstreamUser, UpstreamToken);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfscdn");
        var weights = Content("weights");
        cdn.AddObject(weights);
        Upstream.Lfs.HrefBase = cdn.BaseUrl;
        var (_, pointers) = NewLfsUpstream(name, weights);

        var mirror = await api.ImportAsync(name, Upstream.Url(name), auth: Auth);

        var download = Assert.Single(cdn.Requests);
        Assert.Null(download.Authorization);
        AssertTokenNeverReached(cdn);
        Assert.Equal(weights, await File.ReadAllBytesAsync(StoredObject(mirror, pointers[0])));
    }

    [Fact]
    public async Task RedirectToAnotherHost_CarriesNoToken_AndARedirectToAForbiddenAddressReceivesNothing()
    {
        await using var cdn = await LfsServer.StartAsync();
        await using var trap = await LfsServer.StartAsync("127.0.0.2");
        Upstream.RequiredCredentials = (UpstreamUser, UpstreamToken);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfsredirect");
        var first = Content("first");
        cdn.AddObject(first);
        Upstream.Lfs.RedirectDownloadsTo = cdn.BaseUrl;
        var (repository, pointers) = NewLfsUpstream(name, first);

        var mirror = await api.ImportAsync(name, Upstream.Url(name), auth: Auth);

        Assert.Equal(first, await File.ReadAllBytesAsync(StoredObject(mirror, pointers[0])));
        var followed = Assert.Single(cdn.Requests);
        Assert.Equal($"/lfs-objects/{Oid(pointers[0])}", followed.Path);
        Assert.Null(followed.Authorization);

        var second = Content("second");
        var secondPointer = Upstream.AddLfsObject(second);
        repository.Commit("main", file: "second.bin", content: Encoding.UTF8.GetBytes(secondPointer));
        repository.Push();
        Upstream.Lfs.RedirectDownloadsTo = trap.BaseUrl;
        var synced = await api.SyncAndWaitAsync(name);

        Assert.Equal(0, trap.ConnectionCount);
        Assert.Equal("succeeded", MirrorApi.Status(synced));
        Assert.Contains("127.0.0.2, an internal address", await LastRunTextAsync(api, name));
        Assert.False(File.Exists(StoredObject(synced, secondPointer)));
        AssertTokenNeverReached(cdn, trap);
    }

    [Fact]
    public async Task ExplicitLfsUrl_OnAnotherOrigin_GetsNoToken_AndActionHeadersStayWithTheirHref()
    {
        await using var lfsHost = await LfsServer.StartAsync();
        await using var cdn = await LfsServer.StartAsync();
        Upstream.RequiredCredentials = (UpstreamUser, UpstreamToken);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfsurl");
        var dataset = Content("dataset");
        var repository = Upstream.CreateRepository(name);
        repository.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.bin filter=lfs\n"));
        repository.Commit("main", file: "data.bin", content: Encoding.UTF8.GetBytes(lfsHost.AddObject(dataset)));
        repository.Push();
        cdn.AddObject(dataset);
        lfsHost.ActionHeaders["Authorization"] = "RemoteAuth grant-7a7a7a";
        lfsHost.ActionHeaders["X-Lfs-Grant"] = "grant-7a7a7a";
        lfsHost.RedirectDownloadsTo = cdn.BaseUrl;
        var lfsUrl = $"{lfsHost.BaseUrl}/team/{name}.git/info/lfs";

        var created = await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = Upstream.Url(name), mode = "mirror", owner = api.UserName, name, auth = Auth, lfsUrl });
        Assert.True(created.StatusCode == System.Net.HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
        var mirror = await api.WaitForSyncAsync(name);

        Assert.Equal(lfsUrl, mirror.GetProperty("mirror").GetProperty("lfsUrl").GetString());
        Assert.Equal(dataset, await File.ReadAllBytesAsync(StoredObject(mirror, LfsServer.Pointer(dataset))));
        var batch = Assert.Single(lfsHost.Requests, r => r.Method == "POST");
        Assert.Equal($"/team/{name}.git/info/lfs/objects/batch", batch.Path);
        Assert.Null(batch.Authorization);
        var download = Assert.Single(lfsHost.Requests, r => r.Method == "GET");
        Assert.Equal("RemoteAuth grant-7a7a7a", download.Authorization);
        Assert.Equal("grant-7a7a7a", download.Headers["X-Lfs-Grant"]);
        var redirected = Assert.Single(cdn.Requests);
        Assert.Null(redirected.Authorization);
        Assert.False(redirected.Headers.ContainsKey("X-Lfs-Grant"));
        Assert.DoesNotContain(Upstream.Lfs.Requests, r => r.Path.Contains(name, StringComparison.Ordinal));
        AssertTokenNeverReached(lfsHost, cdn);
    }

    [Fact]
    public async Task ObjectWithTheWrongHashOrSize_IsRefused_Reported_AndNothingStored()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfsbad");
        var model = Content("model");
        var (_, pointers) = NewLfsUpstream(name, model);
        var oid = Oid(pointers[0]);
        Upstream.Lfs.Tamper = bytes => [.. bytes.Select((b, i) => i == 0 ? (byte)(b ^ 0xFF) : b)];

        var mirror = await api.ImportAsync(name, Upstream.Url(name));

        var wrongHash = await LastRunTextAsync(api, name);
        Assert.Contains($"{oid}: refused from", wrongHash);
        Assert.Contains($"SHA-256 is {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Upstream.Lfs.Tamper(model)))}, not {oid}", wrongHash);
        Assert.False(File.Exists(StoredObject(mirror, pointers[0])));

        Upstream.Lfs.Tamper = bytes => [.. bytes, (byte)'!'];
        await api.SyncAndWaitAsync(name);
        Assert.Contains($"longer than the {model.Length} bytes announced", await LastRunTextAsync(api, name));
        Assert.False(File.Exists(StoredObject(mirror, pointers[0])));
        var incoming = Path.Combine(portal.DataDir, "lfs", mirror.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), "incoming");
        Assert.Empty(Directory.Exists(incoming) ? Directory.GetFiles(incoming) : []);

        Upstream.Lfs.Tamper = null;
        await api.SyncAndWaitAsync(name);
        Assert.Equal(model, await File.ReadAllBytesAsync(StoredObject(mirror, pointers[0])));
    }

    [Fact]
    public async Task DnsRebinding_AnHrefHostCannotMoveToASecondAddress()
    {
        // The href's name answers 127.0.0.1 (allowed) first and 127.0.0.2 afterwards, where a trap listens on the same port.
        await using var cdn = await LfsServer.StartAsync();
        var port = new Uri(cdn.BaseUrl).Port;
        await using var trap = await LfsServer.StartAsync("127.0.0.2", port);
        var host = $"cdn-{Guid.NewGuid():N}.rebind.portal-test";
        portal.Resolver.Answer(host, ["127.0.0.1"], ["127.0.0.2"]);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfsrebind");
        var weights = Content("weights");
        cdn.AddObject(weights);
        Upstream.Lfs.HrefBase = $"http://{host}:{port}";
        var (_, pointers) = NewLfsUpstream(name, weights);

        var mirror = await api.ImportAsync(name, Upstream.Url(name));

        Assert.Equal(weights, await File.ReadAllBytesAsync(StoredObject(mirror, pointers[0])));
        Assert.Single(cdn.Requests);
        Assert.Equal(0, trap.ConnectionCount);
        Assert.Equal(1, portal.Resolver.Lookups(host));
    }

    public void Dispose()
    {
        Upstream.RequiredCredentials = null;
        Upstream.Lfs.HrefBase = null;
        Upstream.Lfs.RedirectDownloadsTo = null;
        Upstream.Lfs.Tamper = null;
        Upstream.Lfs.ActionHeaders.Clear();
    }
}
