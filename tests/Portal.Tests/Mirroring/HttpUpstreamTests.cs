using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Testing;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mirroring;

/// <summary>Upstreams served by git http-backend with Basic auth: credentials, migration, failures mid-transfer.</summary>
public sealed class HttpUpstreamTests(MirrorPortalFactory portal, GitHttpFixture http) : IClassFixture<MirrorPortalFactory>, IClassFixture<GitHttpFixture>, IDisposable
{
    private const string UpstreamUser = "upstream-bot";
    private const string UpstreamSecret = "glpat-UpstreamS3cret-9f8e7d";

    private GitHttpServer Server => http.Server;

    private UpstreamRepository NewUpstream(string name)
    {
        var upstream = Server.CreateRepository(name);
        upstream.Commit("main");
        upstream.Tag("v1", annotation: "one");
        upstream.Commit("develop");
        upstream.Push();
        return upstream;
    }

    private static object Auth(string secret = UpstreamSecret) => new { username = UpstreamUser, secret };

    [Fact]
    public async Task Migrate_WithBasicAuth_ImportsEverything_ThenForgetsTheCredentials()
    {
        Server.RequiredCredentials = (UpstreamUser, UpstreamSecret);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("migrate");
        var upstream = NewUpstream(name);
        var weights = Encoding.UTF8.GetBytes("weights " + Guid.NewGuid());
        var pointer = Server.AddLfsObject(weights);
        upstream.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.bin filter=lfs diff=lfs merge=lfs -text\n"));
        upstream.Commit("main", file: "weights.bin", content: Encoding.UTF8.GetBytes(pointer));
        upstream.Push();

        var repository = await api.ImportAsync(name, Server.Url(name), mode: "migrate", auth: Auth());

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        Assert.Equal("migrated", repository.GetProperty("mode").GetString());
        Assert.Equal(Server.Url(name), repository.GetProperty("upstreamUrl").GetString());
        Assert.Equal(JsonValueKind.Null, repository.GetProperty("sync").GetProperty("nextSyncAt").ValueKind);
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(repository)));
        var oid = pointer.Split('\n')[1]["oid sha256:".Length..];
        var stored = Path.Combine(portal.DataDir, "lfs", repository.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), "objects", oid[..2], oid[2..4], oid);
        Assert.Equal(weights, await File.ReadAllBytesAsync(stored));
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            Assert.False(await db.UpstreamCredentials.AnyAsync(c => c.RepositoryId == repository.GetProperty("id").GetInt64()));
        }

        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        await ProblemAssert.IsProblemAsync(await api.SyncAsync(name), HttpStatusCode.BadRequest, "Only mirrors sync");
    }

    [Fact]
    public async Task Mirror_SendsCredentialsAsBasicAuth_AndKeepsThemOutOfTheUrl()
    {
        Server.RequiredCredentials = (UpstreamUser, UpstreamSecret);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("basic");
        var upstream = NewUpstream(name);
        var urlWithCredentials = Server.Url(name).Replace("http://", $"http://{UpstreamUser}:{UpstreamSecret}@", StringComparison.Ordinal);

        // Credentials pasted inside the URL are taken out of it and stored encrypted, like explicit ones.
        var repository = await api.ImportAsync(name, urlWithCredentials);

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        Assert.Equal(Server.Url(name), repository.GetProperty("upstreamUrl").GetString());
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(repository)));
        Assert.DoesNotContain(UpstreamSecret, await File.ReadAllTextAsync(Path.Combine(api.RepositoryPath(repository), "config")));
    }

    [Fact]
    public async Task WrongCredentials_FailWithAClearError_AndChangeNothing()
    {
        Server.RequiredCredentials = (UpstreamUser, UpstreamSecret);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("wrong");
        var upstream = NewUpstream(name);
        var imported = await api.ImportAsync(name, Server.Url(name), auth: Auth());
        var refsBefore = TestGit.Refs(api.RepositoryPath(imported));
        upstream.Commit("main");
        upstream.Push();

        var patch = await api.Client.PatchAsJsonAsync($"/api/v1/repos/{api.UserName}/{name}", new { auth = Auth("wrong-secret-123") });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var failed = await api.SyncAndWaitAsync(name);

        Assert.Equal("failed", MirrorApi.Status(failed));
        Assert.Contains("authentication failed", MirrorApi.LastError(failed), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("token", MirrorApi.LastError(failed), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wrong-secret-123", MirrorApi.LastError(failed));
        Assert.Equal(refsBefore, TestGit.Refs(api.RepositoryPath(failed)));

        var firstImport = await api.ImportAsync(PortalFactoryNames.Next("wrongfirst"), Server.Url(name), auth: Auth("wrong-secret-123"));
        Assert.Equal("failed", MirrorApi.Status(firstImport));
        Assert.False(Directory.Exists(api.RepositoryPath(firstImport)));
    }

    [Fact]
    public async Task UpstreamCutOffMidFetch_KeepsPreviousRefs_AndTheNextSyncCompletes()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("cut");
        var upstream = NewUpstream(name);
        var imported = await api.ImportAsync(name, Server.Url(name));
        var path = api.RepositoryPath(imported);
        var refsBefore = TestGit.Refs(path);
        upstream.Commit("main", file: "big.bin", content: RandomBytes(4 * 1024 * 1024));
        upstream.Push();

        Server.CutPackAfterBytes = 64 * 1024;
        var failed = await api.SyncAndWaitAsync(name);

        Assert.Equal("failed", MirrorApi.Status(failed));
        Assert.Equal(refsBefore, TestGit.Refs(path));
        TestGit.Run(path, "fsck", "--no-progress");

        Server.CutPackAfterBytes = null;
        var recovered = await api.SyncAndWaitAsync(name);
        Assert.Equal("succeeded", MirrorApi.Status(recovered));
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        TestGit.Run(path, "fsck", "--no-progress");
    }

    [Fact]
    public async Task UpstreamAnswering500_FailsWithTheReason()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("broken");
        NewUpstream(name);
        Server.FailWith500 = true;

        var repository = await api.ImportAsync(name, Server.Url(name));

        Assert.Equal("failed", MirrorApi.Status(repository));
        Assert.Contains("500", MirrorApi.LastError(repository));
    }

    [Fact]
    public async Task UpstreamRedirect_IsNotFollowed()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("redirect");
        NewUpstream(name);
        await using var elsewhere = await GitHttpServer.StartAsync();
        elsewhere.CreateRepository(name);
        Server.RedirectTo = $"http://127.0.0.1:{elsewhere.Port}";

        var repository = await api.ImportAsync(name, Server.Url(name));

        Assert.Equal("failed", MirrorApi.Status(repository));
        Assert.Contains("redirect", MirrorApi.LastError(repository), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, elsewhere.RequestCount);
    }

    [Fact]
    public async Task UpToDateSync_CostsTheUpstreamOneRequest_ItsRefAdvertisement_AndFetchesNoObjects()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("cheap");
        NewUpstream(name);
        await api.ImportAsync(name, Server.Url(name));
        var requestsBefore = Server.RequestCount;
        Server.UploadPackCommands.Clear();

        await api.SyncAndWaitAsync(name);

        // Listed in protocol v0, whose advertisement is the listing; v2 asks twice (capabilities, then ls-refs), and a
        // fetch would add more.
        Assert.Equal(1, Server.RequestCount - requestsBefore);
        Assert.Equal([$"/{name}.git advertisement"], Server.UploadPackCommands.Where(c => c.StartsWith($"/{name}.git ", StringComparison.Ordinal)));
        Assert.Equal("up_to_date", (await api.SyncRunsAsync(name))[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task ManualSync_Is409WhileRunning_And429WithinFiveMinutes()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("limits");
        var upstream = NewUpstream(name);
        upstream.Commit("main", file: "big.bin", content: RandomBytes(1024 * 1024));
        upstream.Push();
        Server.TricklePackDelay = TimeSpan.FromMilliseconds(30);
        var created = await api.CreateRepositoryAsync(name, Server.Url(name));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);

        await ProblemAssert.IsProblemAsync(await api.SyncAsync(name), HttpStatusCode.Conflict, "already queued or running");
        Server.TricklePackDelay = null;
        Assert.Equal("succeeded", MirrorApi.Status(await api.WaitForSyncAsync(name)));

        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(HttpStatusCode.Accepted, (await api.SyncAsync(name)).StatusCode);
        await api.WaitForSyncAsync(name);
        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        var limited = await api.SyncAsync(name);

        await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.TooManyRequests, "5 minutes");
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter!.Value.TotalSeconds, 170, 181);
        portal.Clock.Advance(TimeSpan.FromMinutes(3.1));
        Assert.Equal(HttpStatusCode.Accepted, (await api.SyncAsync(name)).StatusCode);
        await api.WaitForSyncAsync(name);
    }

    [Fact]
    public async Task TwoSimultaneousSyncRequests_QueueExactlyOne()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("twice");
        NewUpstream(name);
        await api.ImportAsync(name, Server.Url(name));
        portal.Clock.Advance(TimeSpan.FromMinutes(6));

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => api.SyncAsync(name)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Accepted), r => Assert.True(r.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests));
        await api.WaitForSyncAsync(name);
    }

    [Fact]
    public async Task TestConnection_ReportsBranchesTagsAndHead_OrTheRedactedError()
    {
        Server.RequiredCredentials = (UpstreamUser, UpstreamSecret);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("probe");
        NewUpstream(name);

        var ok = await api.Client.PostAsJsonAsync("/api/v1/repos/test-connection", new { cloneUrl = Server.Url(name), auth = Auth() });
        var wrong = await api.Client.PostAsJsonAsync("/api/v1/repos/test-connection", new { cloneUrl = Server.Url(name), auth = Auth("not-it-4567") });

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var found = await ok.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, found.GetProperty("branches").GetInt32());
        Assert.Equal(1, found.GetProperty("tags").GetInt32());
        Assert.Equal("main", found.GetProperty("defaultBranch").GetString());
        var problem = await ProblemAssert.IsProblemAsync(wrong, HttpStatusCode.BadRequest, "authentication failed");
        Assert.DoesNotContain("not-it-4567", problem.ToString());
    }

    [Fact]
    public async Task UpstreamSecret_AppearsNowhere_InLogsResponsesRecordsConfigOrDatabase()
    {
        Server.RequiredCredentials = (UpstreamUser, UpstreamSecret);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("secret");
        NewUpstream(name);
        var seen = new StringBuilder();

        var good = await api.ImportAsync(name, Server.Url(name), auth: Auth());
        seen.Append(good);
        var badName = PortalFactoryNames.Next("secretbad");
        var bad = await api.ImportAsync(badName, Server.Url(name), auth: Auth(UpstreamSecret + "-wrong"));
        seen.Append(bad);
        var probe = await api.Client.PostAsJsonAsync("/api/v1/repos/test-connection", new { cloneUrl = Server.Url(name), auth = Auth(UpstreamSecret + "-wrong") });
        seen.Append(await probe.Content.ReadAsStringAsync());
        seen.Append(await api.Client.GetStringAsync($"/api/v1/repos/{api.UserName}/{name}/syncs"));
        seen.Append(await api.Client.GetStringAsync($"/api/v1/repos/{api.UserName}/{badName}/syncs"));
        seen.Append(await api.Client.GetStringAsync("/api/v1/repos"));
        Assert.Equal("succeeded", MirrorApi.Status(good));
        Assert.Equal("failed", MirrorApi.Status(bad));

        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UpstreamUser}:{UpstreamSecret}"));
        Assert.Contains($"Basic {basic}", Server.SeenAuthorization);
        foreach (var needle in new[] { UpstreamSecret, basic })
        {
            Assert.DoesNotContain(needle, seen.ToString());
            Assert.DoesNotContain(portal.LogLines, line => line.Contains(needle, StringComparison.Ordinal));
            foreach (var file in Directory.EnumerateFiles(portal.DataDir, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/objects/", StringComparison.Ordinal)))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) < 0, $"{needle[..6]}… found in {file}");
            }
        }
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    public void Dispose()
    {
        Server.RequiredCredentials = null;
        Server.FailWith500 = false;
        Server.RedirectTo = null;
        Server.CutPackAfterBytes = null;
        Server.TricklePackDelay = null;
    }
}

/// <summary>Git LFS objects follow the mirror: fetched from the upstream's LFS server into Portal's content-addressed store.</summary>
public sealed class LfsMirrorTests(MirrorPortalFactory portal, GitHttpFixture http) : IClassFixture<MirrorPortalFactory>, IClassFixture<GitHttpFixture>
{
    private static string StoredObject(MirrorPortalFactory portal, JsonElement repository, string pointer)
    {
        var oid = pointer.Split('\n').Single(l => l.StartsWith("oid sha256:", StringComparison.Ordinal))["oid sha256:".Length..];
        return Path.Combine(portal.DataDir, "lfs", repository.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), "objects", oid[..2], oid[2..4], oid);
    }

    [Fact]
    public async Task Mirror_FetchesLfsObjects_OfEveryRef()
    {
        http.Server.LfsEnabled = true;
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfs");
        var upstream = http.Server.CreateRepository(name);
        var onMain = Encoding.UTF8.GetBytes("model weights v1 " + Guid.NewGuid());
        var onBranch = Encoding.UTF8.GetBytes("dataset on a branch " + Guid.NewGuid());
        upstream.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.bin filter=lfs diff=lfs merge=lfs -text\n"));
        var mainPointer = http.Server.AddLfsObject(onMain);
        upstream.Commit("main", file: "model.bin", content: Encoding.UTF8.GetBytes(mainPointer));
        var branchPointer = http.Server.AddLfsObject(onBranch);
        upstream.Commit("data", file: "data.bin", content: Encoding.UTF8.GetBytes(branchPointer));
        upstream.Push();

        var repository = await api.ImportAsync(name, http.Server.Url(name));

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        Assert.Equal(onMain, await File.ReadAllBytesAsync(StoredObject(portal, repository, mainPointer)));
        Assert.Equal(onBranch, await File.ReadAllBytesAsync(StoredObject(portal, repository, branchPointer)));
        Assert.Equal("Git LFS: fetched 2 objects (109 bytes).", (await api.SyncRunsAsync(name))[0].GetProperty("error").GetString());
    }

    [Fact]
    public async Task UpstreamWithoutLfsServer_IsAWarning_NotAFailure_AndALaterSyncCompletesIt()
    {
        http.Server.LfsEnabled = false;
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("nolfs");
        var upstream = http.Server.CreateRepository(name);
        var content = Encoding.UTF8.GetBytes("large file " + Guid.NewGuid());
        var pointer = http.Server.AddLfsObject(content);
        upstream.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.bin filter=lfs diff=lfs merge=lfs -text\n"));
        upstream.Commit("main", file: "big.bin", content: Encoding.UTF8.GetBytes(pointer));
        upstream.Push();
        try
        {
            var repository = await api.ImportAsync(name, http.Server.Url(name));

            Assert.Equal("succeeded", MirrorApi.Status(repository));
            Assert.Equal(upstream.Refs, Portal.Testing.TestGit.Refs(api.RepositoryPath(repository)));
            var run = (await api.SyncRunsAsync(name))[0];
            Assert.Equal("succeeded", run.GetProperty("outcome").GetString());
            Assert.Contains("no Git LFS server", run.GetProperty("error").GetString());
            Assert.False(File.Exists(StoredObject(portal, repository, pointer)));

            // The server gains LFS; nothing else changed upstream, yet the next sync fetches the missing objects.
            http.Server.LfsEnabled = true;
            await api.SyncAndWaitAsync(name);
            Assert.Equal(content, await File.ReadAllBytesAsync(StoredObject(portal, repository, pointer)));
        }
        finally
        {
            http.Server.LfsEnabled = true;
        }
    }
}
