using System.Net;
using System.Text.Json;
using Portal.Testing;

namespace Portal.Tests.Mirroring;

/// <summary>
/// The levers of the fetch path (issue 17): whichever git processes a sync runs, the mirror ends equal to the upstream
/// (less what it leaves out), fsck-clean, with nothing of the upstream's address left in its config.
/// </summary>
public sealed class FetchPathTests(MirrorPortalFactory portal, GitDaemonServer daemon) : IClassFixture<MirrorPortalFactory>, IClassFixture<GitDaemonServer>
{
    [Fact]
    public async Task Import_OfAnUpstreamItTakesWhole_IsAClone_PackedRefsAndNoRemoteInConfig()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("clone");
        var upstream = MirrorSyncTests.Populate(daemon.CreateRepository(name));

        var repository = await api.ImportAsync(name, daemon.Url(name));

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        var path = api.RepositoryPath(repository);
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        TestGit.Run(path, "fsck", "--no-progress", "--strict");
        // A clone writes every ref into packed-refs at once; init + fetch wrote one loose file per ref.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(path, "refs"), "*", SearchOption.AllDirectories));
        Assert.All(upstream.Refs.Keys, r => Assert.Contains(" " + r, File.ReadAllText(Path.Combine(path, "packed-refs")), StringComparison.Ordinal));
        // Fetches name the pinned URL each time: the repository keeps no remote (and so no upstream address) on disk.
        Assert.Equal(1, TestGit.TryRun(path, "config", "--get-regexp", "^remote\\.").ExitCode);
        Assert.Equal("refs/heads/main", TestGit.Run(path, "symbolic-ref", "HEAD").Trim());

        // The next sync (a fetch into the cloned mirror) still follows the upstream.
        upstream.Commit("main");
        upstream.DeleteBranch("release");
        upstream.Push();
        await api.SyncAndWaitAsync(name);
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        TestGit.Run(path, "fsck", "--no-progress", "--strict");
    }

    [Fact]
    public async Task RefNamesThatLookLikeTokens_AreMirroredAsTheyAre_AndFoundCurrentAfterwards()
    {
        // Ref listings are data, not messages: a branch named like a Portal token must not reach the mirror as
        // "portal_***" (an invalid ref name that failed every sync), nor make an up-to-date mirror look out of date.
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("tokenlike");
        var upstream = MirrorSyncTests.Populate(daemon.CreateRepository(name));
        const string branch = "portal_0123456789abcdefghijKLMN";
        upstream.Commit(branch);
        upstream.Push();

        var repository = await api.ImportAsync(name, daemon.Url(name));

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        var path = api.RepositoryPath(repository);
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        await api.SyncAndWaitAsync(name);
        Assert.Equal("up_to_date", (await api.SyncRunsAsync(name))[0].GetProperty("outcome").GetString());

        upstream.Commit(branch);
        upstream.Push();
        await api.SyncAndWaitAsync(name);
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
        Assert.Equal(new Dictionary<string, string?> { [$"refs/heads/{branch}"] = "updated" }, MirrorApi.RefChangeKinds((await api.SyncRunsAsync(name))[0]));
    }

    [Fact]
    public async Task Import_OfAnUpstreamWithThousandsOfRefs_RecordsEachOfThemInItsActivity()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("many-refs");
        var upstream = MirrorSyncTests.Populate(daemon.CreateRepository(name));
        var main = upstream.Refs["refs/heads/main"];
        var feature = upstream.Refs["refs/heads/feature"];
        // Written as loose ref files: thousands of update-ref runs would take most of the test.
        for (var i = 0; i < 1500; i++)
        {
            WriteRef(upstream.BarePath, $"refs/heads/topic/{i:0000}", i % 2 == 0 ? main : feature);
        }

        for (var i = 0; i < 600; i++)
        {
            WriteRef(upstream.BarePath, $"refs/tags/build-{i:0000}", feature);
        }

        TestGit.Run(upstream.BarePath, "pack-refs", "--all");
        var expected = TestGit.Refs(upstream.BarePath);

        var repository = await api.ImportAsync(name, daemon.Url(name));

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        Assert.Equal(expected, TestGit.Refs(api.RepositoryPath(repository)));
        // Every ref the import brought is in its activity entry, with the commit it points to, in ref order.
        var run = Assert.Single(await api.SyncRunsAsync(name));
        var changes = run.GetProperty("refChanges").EnumerateArray().ToList();
        Assert.Equal(expected.Count, changes.Count);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), changes.Select(c => c.GetProperty("ref").GetString()!));
        Assert.All(changes, c =>
        {
            Assert.Equal("created", c.GetProperty("kind").GetString());
            Assert.Equal(JsonValueKind.Null, c.GetProperty("oldSha").ValueKind);
            Assert.Equal(expected[c.GetProperty("ref").GetString()!], c.GetProperty("newSha").GetString());
        });
    }

    private static void WriteRef(string bareRepository, string name, string sha)
    {
        var file = Path.Combine(bareRepository, name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, sha + "\n");
    }

    [Fact]
    public async Task Import_OfAnUpstreamWithReviewRefs_LeavesThemAndTheirCommitsOut()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("review");
        var upstream = MirrorSyncTests.Populate(daemon.CreateRepository(name));
        var proposed = upstream.Commit("proposal");
        upstream.Push();
        TestGit.Run(upstream.BarePath, "update-ref", "refs/pull/1/head", proposed);
        TestGit.Run(upstream.BarePath, "update-ref", "-d", "refs/heads/proposal");

        var repository = await api.ImportAsync(name, daemon.Url(name));

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        var path = api.RepositoryPath(repository);
        var expected = upstream.Refs.Where(r => !r.Key.StartsWith("refs/pull/", StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(expected, TestGit.Refs(path));
        // Clone cannot leave refs out: the import fetched with negative refspecs, so the review commit never came.
        Assert.NotEqual(0, TestGit.TryRun(path, "cat-file", "-e", proposed).ExitCode);
        TestGit.Run(path, "fsck", "--no-progress", "--strict");
    }

    [Fact]
    public async Task Import_IsBrowsableWithoutItsCommitGraph_WhichFollowsAndIsRecordedInTheActivity()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("graph");
        var upstream = daemon.CreateRepository(name);
        upstream.Commit("main", "Add the guide", "docs/guide.md");
        var code = upstream.Commit("main", "Add the program", "src/app.c");
        upstream.Commit("main", "Rewrite the guide", "docs/guide.md");
        upstream.Push();
        var created = await api.CreateRepositoryAsync(name, daemon.Url(name), visibility: "public");
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var path = api.RepositoryPath(await api.WaitForSyncAsync(name));

        // The graph is a follow-up job after the import is visible; the activity says when it is written.
        var written = await api.WaitForCommitGraphAsync(name);
        Assert.Equal("succeeded", written.GetProperty("outcome").GetString());
        TestGit.Run(path, "commit-graph", "verify");
        Assert.Single(await api.SyncRunsAsync(name));

        // Right after the import's rename there is no graph yet: take it away again and read the pages as then.
        Directory.Delete(Path.Combine(path, "objects", "info", "commit-graphs"), recursive: true);
        using var browser = portal.CreateClient();
        var docsHistory = await browser.GetStringAsync($"/{api.UserName}/{name}?tab=commits&path=docs");
        Assert.Contains("Rewrite the guide", docsHistory);
        Assert.Contains("Add the guide", docsHistory);
        Assert.DoesNotContain("Add the program", docsHistory);
        var docs = await browser.GetStringAsync($"/{api.UserName}/{name}?tab=files&path=docs");
        Assert.Contains("guide.md", docs);
        Assert.Contains("Rewrite the guide", docs);
        var commit = await browser.GetStringAsync($"/{api.UserName}/{name}?tab=commits&commit={code}");
        Assert.Contains("src/app.c", commit);
        Assert.Contains("Add the program", await browser.GetStringAsync($"/{api.UserName}/{name}?tab=commits"));
    }
}
