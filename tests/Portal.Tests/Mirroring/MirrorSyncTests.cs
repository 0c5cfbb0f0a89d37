using System.Net;
using Portal.Testing;

namespace Portal.Tests.Mirroring;

/// <summary>Mirrors of a real git daemon upstream: import, incremental sync, force-push, deletions, HEAD.</summary>
public sealed class MirrorSyncTests(MirrorPortalFactory portal, GitDaemonServer daemon) : IClassFixture<MirrorPortalFactory>, IClassFixture<GitDaemonServer>
{
    /// <summary>Two commits on main, a lightweight and an annotated tag, a feature and a release branch; pushed.</summary>
    internal static UpstreamRepository Populate(UpstreamRepository upstream)
    {
        upstream.Commit("main");
        upstream.Commit("main");
        upstream.Tag("v1");
        upstream.Tag("v2", annotation: "Release 2");
        upstream.Commit("feature");
        upstream.Commit("release");
        upstream.Push();
        return upstream;
    }

    [Fact]
    public async Task Mirror_ImportsEveryBranchAndTag_AndFollowsUpstreamHead()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("mirror");
        var upstream = Populate(daemon.CreateRepository(name));
        upstream.SetHead("release");

        var repository = await api.ImportAsync(name, daemon.Url(name));

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        Assert.Equal("mirror", repository.GetProperty("mode").GetString());
        Assert.Equal("release", repository.GetProperty("defaultBranch").GetString());
        var path = api.RepositoryPath(repository);
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        Assert.Equal("refs/heads/release", TestGit.Run(path, "symbolic-ref", "HEAD").Trim());
        Assert.Equal("tag", TestGit.Run(path, "cat-file", "-t", "refs/tags/v2").Trim());
        TestGit.Run(path, "fsck", "--no-progress");
        await api.WaitForCommitGraphAsync(name);
        Assert.True(Directory.Exists(Path.Combine(path, "objects", "info", "commit-graphs")));
        TestGit.Run(path, "commit-graph", "verify");

        var run = Assert.Single(await api.SyncRunsAsync(name));
        Assert.Equal("import", run.GetProperty("trigger").GetString());
        Assert.Equal("succeeded", run.GetProperty("outcome").GetString());
        var changes = run.GetProperty("refChanges").EnumerateArray().ToList();
        Assert.Equal(upstream.Refs.Keys.Order(StringComparer.Ordinal), changes.Select(c => c.GetProperty("ref").GetString()!));
        Assert.All(changes, c => Assert.Equal("created", c.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Sync_FollowsNewCommitsForcePushesAndDeletions()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("follow");
        var upstream = Populate(daemon.CreateRepository(name));
        var imported = await api.ImportAsync(name, daemon.Url(name));
        var before = TestGit.Refs(api.RepositoryPath(imported));

        upstream.Commit("main");
        upstream.Amend("feature");
        upstream.DeleteBranch("release");
        upstream.DeleteTag("v1");
        upstream.Tag("v3", annotation: "Release 3");
        upstream.SetHead("main");
        upstream.Push();
        var synced = await api.SyncAndWaitAsync(name);

        Assert.Equal("succeeded", MirrorApi.Status(synced));
        var path = api.RepositoryPath(synced);
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        var run = (await api.SyncRunsAsync(name))[0];
        Assert.Equal("api", run.GetProperty("trigger").GetString());
        var kinds = MirrorApi.RefChangeKinds(run);
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["refs/heads/main"] = "updated",
                ["refs/heads/feature"] = "forced",
                ["refs/heads/release"] = "deleted",
                ["refs/tags/v1"] = "deleted",
                ["refs/tags/v3"] = "created",
            },
            kinds);
        var deleted = run.GetProperty("refChanges").EnumerateArray().Single(c => c.GetProperty("ref").GetString() == "refs/heads/release");
        Assert.Equal(before["refs/heads/release"], deleted.GetProperty("oldSha").GetString());
        TestGit.Run(path, "fsck", "--no-progress");
    }

    [Fact]
    public async Task Sync_WithNothingNew_RecordsUpToDate()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("same");
        Populate(daemon.CreateRepository(name));
        await api.ImportAsync(name, daemon.Url(name));

        var synced = await api.SyncAndWaitAsync(name);

        Assert.Equal("succeeded", MirrorApi.Status(synced));
        var run = (await api.SyncRunsAsync(name))[0];
        Assert.Equal("up_to_date", run.GetProperty("outcome").GetString());
        Assert.Empty(run.GetProperty("refChanges").EnumerateArray());
    }

    [Fact]
    public async Task Import_OfAnEmptyUpstream_SucceedsWithNoRefs_ThenPicksUpTheFirstPush()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("empty");
        var upstream = daemon.CreateRepository(name);

        var imported = await api.ImportAsync(name, daemon.Url(name));
        Assert.Equal("succeeded", MirrorApi.Status(imported));
        Assert.Empty(TestGit.Refs(api.RepositoryPath(imported)));

        upstream.Commit("main");
        upstream.Push();
        var synced = await api.SyncAndWaitAsync(name);
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(synced)));
    }

    [Fact]
    public async Task Import_FromAMissingUpstreamRepository_FailsAndLeavesNoFolder()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("missing");

        var repository = await api.ImportAsync(name, daemon.Url("does-not-exist-" + name));

        Assert.Equal("failed", MirrorApi.Status(repository));
        Assert.Contains("not found", MirrorApi.LastError(repository), StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(api.RepositoryPath(repository)));
        Assert.Equal(1, repository.GetProperty("sync").GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task Convert_MirrorToHosted_StopsSyncing()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("convert");
        Populate(daemon.CreateRepository(name));
        await api.ImportAsync(name, daemon.Url(name));

        var converted = await api.Client.PostAsync($"/api/v1/repos/{api.UserName}/{name}/convert", null);

        Assert.Equal(HttpStatusCode.OK, converted.StatusCode);
        var repository = await api.GetAsync(name);
        Assert.Equal("hosted", repository.GetProperty("mode").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, repository.GetProperty("sync").GetProperty("nextSyncAt").ValueKind);
        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        var sync = await api.SyncAsync(name);
        Assert.Equal(HttpStatusCode.BadRequest, sync.StatusCode);
    }

    [Fact]
    public async Task Delete_RemovesTheRepositoryAndItsFolder()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("delete");
        Populate(daemon.CreateRepository(name));
        var repository = await api.ImportAsync(name, daemon.Url(name));
        var path = api.RepositoryPath(repository);
        Assert.True(Directory.Exists(path));

        var deleted = await api.Client.DeleteAsync($"/api/v1/repos/{api.UserName}/{name}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(Directory.Exists(path));
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/api/v1/repos/{api.UserName}/{name}")).StatusCode);
    }
}

public static class PortalFactoryNames
{
    public static string Next(string prefix) => Infrastructure.PortalFactory.UniqueName(prefix);
}
