using System.Text.Json;
using Portal.Testing;

namespace Portal.Tests.Mirroring;

/// <summary>
/// An incremental sync asks for the changed refs' objects by id and moves the refs in one transaction (issue 17): the
/// upstream lists its refs once per sync, not twice, and the mirror ends equal to it. Where git cannot do that (a
/// protocol v0 upstream whose ref moved after the listing, a ref replaced by one beneath its name), the fetch by name
/// takes over and the result is the same.
/// </summary>
public sealed class IncrementalFetchTests(MirrorPortalFactory portal, GitHttpFixture http) : IClassFixture<MirrorPortalFactory>, IClassFixture<GitHttpFixture>, IDisposable
{
    private GitHttpServer Server => http.Server;

    [Fact]
    public async Task Sync_AsksForTheChangedObjectsById_ListingRefsOnce_AndEndsEqualToTheUpstream()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, upstream, path) = await ImportAsync(api, "by-id");
        var before = TestGit.Refs(path);

        upstream.Commit("main");
        upstream.Amend("feature");
        upstream.Checkout("main");
        upstream.Commit("topic");
        upstream.Tag("v3", annotation: "Release 3");
        upstream.DeleteBranch("release");
        upstream.DeleteTag("v1");
        upstream.Push();
        Server.UploadPackCommands.Clear();

        var run = await SyncAndLatestRunAsync(api, name);

        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        TestGit.Run(path, "fsck", "--no-progress", "--strict");
        // ls-remote's listing (v0: the advertisement is the listing), then one fetch: a fetch by name would have
        // listed the refs a second time.
        Assert.Equal([$"/{name}.git advertisement", $"/{name}.git fetch"], Server.UploadPackCommands.Where(c => c.StartsWith($"/{name}.git ", StringComparison.Ordinal)));
        var kinds = MirrorApi.RefChangeKinds(run);
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["refs/heads/main"] = "updated",
                ["refs/heads/feature"] = "forced",
                ["refs/heads/topic"] = "created",
                ["refs/tags/v3"] = "created",
                ["refs/heads/release"] = "deleted",
                ["refs/tags/v1"] = "deleted",
            },
            kinds);
        Assert.NotEqual(before["refs/heads/main"], TestGit.Refs(path)["refs/heads/main"]);
    }

    [Fact]
    public async Task Sync_OfABranchReplacedByOneBeneathItsName_DeletesItFirst_WhereAFetchByNameFailedEveryTime()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, upstream, path) = await ImportAsync(api, "by-id-df");

        // git cannot delete refs/heads/feature and create refs/heads/feature/next in one transaction (fetch --atomic
        // --prune refused it: "cannot lock ref").
        upstream.DeleteBranch("feature");
        upstream.Commit("feature/next");
        upstream.Push();
        await SyncAndLatestRunAsync(api, name);

        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        TestGit.Run(path, "fsck", "--no-progress", "--strict");
    }

    [Fact]
    public async Task Sync_FromAProtocolV0UpstreamWhoseRefMovedAfterTheListing_TakesTheFetchByName_AndTheNewestValue()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        Server.ProtocolV0Only = true;
        var (name, upstream, path) = await ImportAsync(api, "by-id-v0");
        upstream.Commit("main");
        upstream.Push();

        // The sync's ls-remote sees that commit; before its fetch is answered, main moves on: a v0 server lists the
        // refs again for the fetch and will not send an object that is no longer a tip.
        var listings = 0;
        string? newest = null;
        Server.BeforeGit = request =>
        {
            if (request.Method == "GET" && request.Path.Value == $"/{name}.git/info/refs" && Interlocked.Increment(ref listings) == 2)
            {
                newest = upstream.Commit("main");
                upstream.Push();
            }

            return Task.CompletedTask;
        };
        await SyncAndLatestRunAsync(api, name);

        Assert.True(listings >= 3, $"The fetch by id and then the fetch by name each list the refs ({listings} listings).");
        Assert.Equal(newest, TestGit.Refs(path)["refs/heads/main"]);
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        TestGit.Run(path, "fsck", "--no-progress", "--strict");
    }

    /// <summary>A populated upstream on the HTTP server, imported: its name, the upstream, and the mirror's folder.</summary>
    private async Task<(string Name, UpstreamRepository Upstream, string Path)> ImportAsync(MirrorApi api, string prefix)
    {
        var name = PortalFactoryNames.Next(prefix);
        var upstream = MirrorSyncTests.Populate(Server.CreateRepository(name));
        var repository = await api.ImportAsync(name, Server.Url(name));
        return (name, upstream, api.RepositoryPath(repository));
    }

    private static async Task<JsonElement> SyncAndLatestRunAsync(MirrorApi api, string name)
    {
        var synced = await api.SyncAndWaitAsync(name);
        Assert.True(MirrorApi.Status(synced) == "succeeded", MirrorApi.LastError(synced));
        return (await api.SyncRunsAsync(name))[0];
    }

    public void Dispose()
    {
        Server.ProtocolV0Only = false;
        Server.BeforeGit = null;
    }
}
