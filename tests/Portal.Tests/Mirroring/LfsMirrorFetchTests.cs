using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Core.Mirroring;
using Portal.Testing;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mirroring;

/// <summary>
/// A mirror's Git LFS objects, fetched by Portal's own LFS client from a git http-backend upstream and its LFS server:
/// only what new commits need, nothing at all for repositories without LFS, and served to clients like pushed objects.
/// </summary>
public sealed class LfsMirrorFetchTests(MirrorPortalFactory portal, GitHttpFixture http) : IClassFixture<MirrorPortalFactory>, IClassFixture<GitHttpFixture>, IDisposable
{
    private const string UpstreamUser = "lfs-bot";
    private const string UpstreamToken = "ghp_LfsMirrorToken123";

    private GitHttpServer Upstream => http.Server;

    private static byte[] Content(string label) => Encoding.UTF8.GetBytes($"{label} {Guid.NewGuid()}");

    private static string Oid(string pointer) => pointer.Split('\n')[1]["oid sha256:".Length..];

    private static async Task<string?> LastRunTextAsync(MirrorApi api, string name) =>
        (await api.SyncRunsAsync(name))[0].GetProperty("error").GetString();

    private string[] BatchRequestsFor(string name) =>
        [.. Upstream.Lfs.Requests.Where(r => r.Path == $"/{name}.git/info/lfs/objects/batch").Select(r => r.Path)];

    private string[] DownloadsSeen() => [.. Upstream.Lfs.Requests.Where(r => r.Method == "GET").Select(r => Path.GetFileName(r.Path))];

    [Fact]
    public async Task Mirror_FetchesTheLfsObjectsOfNewCommitsOnly_AndServesThem()
    {
        Upstream.RequiredCredentials = (UpstreamUser, UpstreamToken);
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfsfetch");
        var upstream = Upstream.CreateRepository(name);
        upstream.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.bin filter=lfs diff=lfs merge=lfs -text\n"));
        var model = Content("model");
        var modelPointer = Upstream.AddLfsObject(model);
        upstream.Commit("main", file: "model.bin", content: Encoding.UTF8.GetBytes(modelPointer));
        var data = Content("data on a branch");
        var dataPointer = Upstream.AddLfsObject(data);
        upstream.Commit("data", file: "data.bin", content: Encoding.UTF8.GetBytes(dataPointer));
        upstream.Push();

        var mirror = await api.ImportAsync(name, Upstream.Url(name), auth: new { username = UpstreamUser, secret = UpstreamToken });

        Assert.Equal("succeeded", MirrorApi.Status(mirror));
        Assert.StartsWith("Git LFS: fetched 2 objects (", await LastRunTextAsync(api, name));
        Assert.Equal(model, await DownloadFromPortalAsync(api, name, modelPointer, model.Length));
        Assert.Equal(data, await DownloadFromPortalAsync(api, name, dataPointer, data.Length));

        // A new commit with one new object: only that object is asked for and downloaded.
        var weights = Content("weights");
        var weightsPointer = Upstream.AddLfsObject(weights);
        upstream.Commit("main", file: "weights.bin", content: Encoding.UTF8.GetBytes(weightsPointer));
        upstream.Push();
        var downloadsBefore = DownloadsSeen().Length;
        await api.SyncAndWaitAsync(name);

        Assert.StartsWith("Git LFS: fetched 1 object (", await LastRunTextAsync(api, name));
        Assert.Equal([Oid(weightsPointer)], DownloadsSeen()[downloadsBefore..]);
        Assert.Equal(weights, await DownloadFromPortalAsync(api, name, weightsPointer, weights.Length));

        // New commits without new LFS content: the scan finds nothing and the LFS server is not asked.
        var batches = BatchRequestsFor(name).Length;
        upstream.Commit("main", file: "notes.txt");
        upstream.Push();
        await api.SyncAndWaitAsync(name);

        Assert.Equal("Git LFS: the new commits reference no LFS objects; none were needed.", await LastRunTextAsync(api, name));
        Assert.Equal(batches, BatchRequestsFor(name).Length);
    }

    [Fact]
    public async Task RepositoryWithoutLfs_NeverCallsTheLfsEndpoint()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("nolfsatall");
        var upstream = Upstream.CreateRepository(name);
        upstream.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.txt text eol=lf\n"));
        upstream.Commit("main", file: "sub/.gitattributes", content: Encoding.UTF8.GetBytes("*.md linguist-documentation\n"));
        upstream.Commit("main");
        upstream.Push();

        var mirror = await api.ImportAsync(name, Upstream.Url(name));
        upstream.Commit("main");
        upstream.Push();
        await api.SyncAndWaitAsync(name);

        Assert.Equal("succeeded", MirrorApi.Status(mirror));
        Assert.Equal(MirrorLfsFetcher.NoLfsInUse, (await api.SyncRunsAsync(name))[1].GetProperty("error").GetString());
        Assert.Equal(MirrorLfsFetcher.NoLfsInUse, await LastRunTextAsync(api, name));
        Assert.DoesNotContain(Upstream.Lfs.Requests, r => r.Path.StartsWith($"/{name}.git/info/lfs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_FetchesTheLfsObjectsOfTheHistory_WhenTheTipsNoLongerUseLfs()
    {
        // A project that tracked its model with LFS, then dropped LFS: checking out the old commit still needs the
        // object. An import searches every object it brought (as GitLab's does), not the tips' .gitattributes only.
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfshistory");
        var upstream = Upstream.CreateRepository(name);
        upstream.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.bin filter=lfs diff=lfs merge=lfs -text\n"));
        var model = Content("an old model");
        var modelPointer = Upstream.AddLfsObject(model);
        upstream.Commit("main", file: "model.bin", content: Encoding.UTF8.GetBytes(modelPointer));
        upstream.Commit("main", file: ".gitattributes", content: Encoding.UTF8.GetBytes("*.txt text eol=lf\n"));
        upstream.Commit("main", file: "model.bin", content: Content("the model, now kept in git"));
        upstream.Push();

        var mirror = await api.ImportAsync(name, Upstream.Url(name));

        Assert.Equal("succeeded", MirrorApi.Status(mirror));
        Assert.StartsWith("Git LFS: fetched 1 object (", await LastRunTextAsync(api, name));
        Assert.Equal([Oid(modelPointer)], [.. DownloadsSeen().Where(oid => oid == Oid(modelPointer))]);
        Assert.Equal(model, await DownloadFromPortalAsync(api, name, modelPointer, model.Length));
    }

    [Fact]
    public async Task LfsUrl_IsChecked_ShownToMaintainersOnly_AndCanBeCleared()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        using var stranger = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lfsurlapi");
        var upstream = Upstream.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        var lfsUrl = $"http://127.0.0.1:{Upstream.Port}/elsewhere/{name}.git/info/lfs";

        var refused = await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = Upstream.Url(name), mode = "mirror", owner = api.UserName, name, lfsUrl = "ssh://git@host/x" });
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.BadRequest, "https:// or http://");
        var created = await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = Upstream.Url(name), mode = "mirror", owner = api.UserName, name, visibility = "public", lfsUrl });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        await api.WaitForSyncAsync(name);

        Assert.Equal(lfsUrl, (await api.GetAsync(name)).GetProperty("mirror").GetProperty("lfsUrl").GetString());
        var seenByStranger = await stranger.Client.GetFromJsonAsync<JsonElement>($"/api/v1/repos/{api.UserName}/{name}");
        Assert.Equal(JsonValueKind.Null, seenByStranger.GetProperty("mirror").GetProperty("lfsUrl").ValueKind);

        var badPatch = await api.Client.PatchAsJsonAsync($"/api/v1/repos/{api.UserName}/{name}", new { lfsUrl = "https://user:pw@lfs.example/x" });
        await ProblemAssert.IsProblemAsync(badPatch, HttpStatusCode.BadRequest, "credentials");
        Assert.Equal(lfsUrl, (await api.GetAsync(name)).GetProperty("mirror").GetProperty("lfsUrl").GetString());

        var cleared = await api.Client.PatchAsJsonAsync($"/api/v1/repos/{api.UserName}/{name}", new { lfsUrl = "" });
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await api.GetAsync(name)).GetProperty("mirror").GetProperty("lfsUrl").ValueKind);
    }

    /// <summary>Asks Portal's own LFS API for the object, as git-lfs does on a clone of the mirror, and downloads it.</summary>
    private static async Task<byte[]> DownloadFromPortalAsync(MirrorApi api, string name, string pointer, long size)
    {
        using var batch = new StringContent(JsonSerializer.Serialize(new { operation = "download", objects = new[] { new { oid = Oid(pointer), size } } }), Encoding.UTF8, "application/vnd.git-lfs+json");
        var answer = await api.Client.PostAsync($"/{api.UserName}/{name}.git/info/lfs/objects/batch", batch);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var href = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("objects")[0].GetProperty("actions").GetProperty("download").GetProperty("href").GetString()!;
        return await api.Client.GetByteArrayAsync(new Uri(href).PathAndQuery);
    }

    public void Dispose() => Upstream.RequiredCredentials = null;
}
