using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Mirroring;

/// <summary>A running Portal whose push mirrors react fast, and a git http-backend with Basic auth as the other side.</summary>
public sealed class TwoWayPortalFixture : HostedPortalFixture
{
    public const string UpstreamUser = "upstream-bot";
    public const string UpstreamSecret = "glpat-TwoWayS3cret-4c3b2a";

    public GitHttpServer Upstream { get; private set; } = default!;

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Portal:PushMirrors:Debounce"] = "00:00:00.300",
        ["Portal:Sync:MinManualInterval"] = "00:00:00",
    };

    public override async Task InitializeAsync()
    {
        Upstream = await GitHttpServer.StartAsync();
        Upstream.RequiredCredentials = (UpstreamUser, UpstreamSecret);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    /// <summary>A hosted repository to push-mirror: <paramref name="work"/>'s first commit on main, tagged v1, pushed to it.</summary>
    public async Task<(GitUser User, string Name, string Url)> HostedWithTaggedCommitAsync(string prefix, WorkingCopy work)
    {
        var user = await CreateUserAsync(prefix);
        var name = await CreateHostedAsync(user, user.Name);
        var url = Url(user.Name, name, user);
        work.Commit();
        TestGit.Run(work.Path, "tag", "v1");
        Assert.Equal(0, work.Git("push", "--quiet", url, "main", "v1").ExitCode);
        return (user, name, url);
    }
}

/// <summary>
/// Two-way mirroring against real servers on 127.0.0.1: pull-mirror branch filters, push mirrors, write-through pushes
/// and a bidirectional pair, each driven through the API and the real git client.
/// </summary>
public sealed class TwoWayMirroringTests(TwoWayPortalFixture fixture) : IClassFixture<TwoWayPortalFixture>
{
    private static readonly object UpstreamAuth = new { username = TwoWayPortalFixture.UpstreamUser, secret = TwoWayPortalFixture.UpstreamSecret };

    private GitHttpServer Upstream => fixture.Upstream;

    [Fact]
    public async Task PullMirror_BranchFilterWithoutTags_TakesOnlyMatchingBranches_AndNeitherFetchesNorPrunesTheRest()
    {
        var user = await fixture.CreateUserAsync("filter");
        var upstream = Upstream.CreateRepository(HostedPortalFixture.Unique("filtered"));
        upstream.Commit("main");
        upstream.Tag("v1", annotation: "one");
        upstream.Commit("develop");
        upstream.Commit("release/1");
        upstream.Push();
        using var api = fixture.BasicClient(user.Name, user.Password);

        var name = await CreateMirrorAsync(api, user, upstream, new Dictionary<string, object?> { ["branchFilter"] = "^(main|release/.*)$", ["mirrorTags"] = false });

        var refs = PortalRefs(user, name);
        Assert.Equal(upstream.Refs["refs/heads/main"], refs["refs/heads/main"]);
        Assert.Equal(upstream.Refs["refs/heads/release/1"], refs["refs/heads/release/1"]);
        Assert.False(refs.ContainsKey("refs/heads/develop"));
        Assert.False(refs.ContainsKey("refs/tags/v1"));
        var settings = (await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user.Name}/{name}")).GetProperty("mirror");
        Assert.Equal("^(main|release/.*)$", settings.GetProperty("branchFilter").GetString());
        Assert.False(settings.GetProperty("mirrorTags").GetBoolean());

        // Narrow the filter, then delete and move branches upstream: what the filter no longer takes stays as it was.
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"api/v1/repos/{user.Name}/{name}", new { branchFilter = "^main$" })).StatusCode);
        var keptRelease = refs["refs/heads/release/1"];
        upstream.DeleteBranch("release/1");
        upstream.Commit("main");
        upstream.Push();
        await SyncAsync(api, user, name);

        refs = PortalRefs(user, name);
        Assert.Equal(upstream.Refs["refs/heads/main"], refs["refs/heads/main"]);
        Assert.Equal(keptRelease, refs["refs/heads/release/1"]);
        Assert.False(refs.ContainsKey("refs/heads/develop"));
    }

    [Fact]
    public async Task PullMirror_BadBranchFilter_IsRefusedAndChangesNothing()
    {
        var user = await fixture.CreateUserAsync("badfilter");
        var upstream = Upstream.CreateRepository(HostedPortalFixture.Unique("badfilter"));
        upstream.Commit("main");
        upstream.Push();
        using var api = fixture.BasicClient(user.Name, user.Password);
        var name = await CreateMirrorAsync(api, user, upstream, []);

        foreach (var body in new object[] { new { branchFilter = "(unclosed" }, new { branchFilter = new string('a', 300) }, new { branchFilter = "(a)\\1" } })
        {
            var response = await api.PatchAsJsonAsync($"api/v1/repos/{user.Name}/{name}", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("branch filter", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        var settings = (await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user.Name}/{name}")).GetProperty("mirror");
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("branchFilter").ValueKind);
    }

    [Fact]
    public async Task PushMirror_FollowsPushesWithinSeconds_ThenKeepsADivergedRefAndReportsIt()
    {
        using var work = new WorkingCopy();
        var (user, name, url) = await fixture.HostedWithTaggedCommitAsync("pusher", work);
        var target = Upstream.CreateRepository(HostedPortalFixture.Unique("target"));
        using var api = fixture.BasicClient(user.Name, user.Password);

        var created = await api.PostAsJsonAsync($"api/v1/repos/{user.Name}/{name}/push-mirrors", new { url = Upstream.Url(target.Name), auth = UpstreamAuth, keepDivergentRefs = true });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var mirror = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain(TwoWayPortalFixture.UpstreamSecret, mirror.GetRawText());
        var mirrorUrl = $"api/v1/repos/{user.Name}/{name}/push-mirrors/{mirror.GetProperty("id").GetInt64()}";
        await WaitUntilAsync(() => target.Refs.GetValueOrDefault("refs/heads/main") == work.Head, "the first run fills the target");
        Assert.True(target.Refs.ContainsKey("refs/tags/v1"));

        var second = work.Commit();
        Assert.Equal(0, work.Git("push", "--quiet", url, "main").ExitCode);
        await WaitUntilAsync(() => target.Refs.GetValueOrDefault("refs/heads/main") == second, "a push to Portal reaches the target");

        // Someone commits on the target directly: it diverges from Portal's main, which keep-divergent must not overwrite.
        TestGit.Run(target.WorkPath, "fetch", "--quiet", "origin");
        TestGit.Run(target.WorkPath, "reset", "--quiet", "--hard", "origin/main");
        var theirs = target.Commit("main");
        TestGit.Run(target.WorkPath, "push", "--quiet", "origin", "main");
        work.Commit();
        Assert.Equal(0, work.Git("push", "--quiet", url, "main").ExitCode);
        var failed = await WaitForMirrorAsync(api, mirrorUrl, m => m.GetProperty("status").GetString() is "failed" or "hard_failed");

        Assert.Equal(theirs, target.Refs["refs/heads/main"]);
        Assert.Equal(new string?[] { "refs/heads/main" }, failed.GetProperty("divergedRefs").EnumerateArray().Select(r => r.GetString()).ToArray());
        Assert.Contains("diverged", failed.GetProperty("lastError").GetString());
        Assert.NotNull(failed.GetProperty("lastAttemptAt").GetString());
        Assert.NotNull(failed.GetProperty("lastSuccessAt").GetString());
    }

    [Fact]
    public async Task PushMirror_WithABranchFilterAndNoTags_PushesOnlyThose_AndRunNowIsAccepted()
    {
        var user = await fixture.CreateUserAsync("filtered-push");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        var url = fixture.Url(user.Name, name, user);
        using var work = new WorkingCopy();
        work.Commit();
        TestGit.Run(work.Path, "tag", "v1");
        Assert.Equal(0, work.Git("push", "--quiet", url, "main", "main:refs/heads/wip/x", "v1").ExitCode);
        var target = Upstream.CreateRepository(HostedPortalFixture.Unique("filtered-target"));
        using var api = fixture.BasicClient(user.Name, user.Password);

        var created = await api.PostAsJsonAsync($"api/v1/repos/{user.Name}/{name}/push-mirrors", new { url = Upstream.Url(target.Name), auth = UpstreamAuth, branchFilter = "^main$", mirrorTags = false });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var mirrorUrl = $"api/v1/repos/{user.Name}/{name}/push-mirrors/{(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64()}";
        await WaitForMirrorAsync(api, mirrorUrl, m => m.GetProperty("status").GetString() == "succeeded");
        Assert.Equal(["refs/heads/main"], target.Refs.Keys.ToArray());

        var run = await api.PostAsync(mirrorUrl + "/sync", null);
        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        await WaitForMirrorAsync(api, mirrorUrl, m => m.GetProperty("status").GetString() == "succeeded");
        Assert.Equal(["refs/heads/main"], target.Refs.Keys.ToArray());
    }

    [Fact]
    public async Task PushMirror_BadTargets_AreRefused_AndNothingIsCreated()
    {
        var user = await fixture.CreateUserAsync("badtarget");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var api = fixture.BasicClient(user.Name, user.Password);
        var list = $"api/v1/repos/{user.Name}/{name}/push-mirrors";
        var bodies = new[]
        {
            """{"url": "http://127.0.0.1:1/x.git", "colour": "red"}""",
            """{"url": "http://127.0.0.1:1/x.git", "branchFilter": "(a)\\1"}""",
            $$"""{"url": "{{fixture.Url(user.Name, name)}}"}""",
            """{"url": "not a url"}""",
        };

        foreach (var body in bodies)
        {
            var response = await api.PostAsync(list, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Empty((await api.GetFromJsonAsync<JsonElement>(list)).EnumerateArray());
    }

    [Fact]
    public async Task WriteThrough_PushGoesUpstreamFirst_ForceAndDeletionToo_AndARefusalLeavesPortalUnchanged()
    {
        var user = await fixture.CreateUserAsync("writer");
        var upstream = Upstream.CreateRepository(HostedPortalFixture.Unique("writethrough"));
        upstream.Commit("main");
        upstream.Commit("feature");
        upstream.Push();
        using var api = fixture.BasicClient(user.Name, user.Password);
        var name = await CreateMirrorAsync(api, user, upstream, new Dictionary<string, object?> { ["writeThrough"] = true });
        var url = fixture.Url(user.Name, name, user);
        using var work = new WorkingCopy(url, "--no-single-branch");

        var pushed = work.Commit();
        var accepted = work.Git("push", "origin", "main");
        Assert.True(accepted.ExitCode == 0, accepted.Output);
        Assert.Equal(pushed, upstream.Refs["refs/heads/main"]);
        Assert.Equal(pushed, PortalRefs(user, name)["refs/heads/main"]);

        // The upstream's own hook declines: the client reads why, and neither side changes.
        var hook = Path.Combine(upstream.BarePath, "hooks", "pre-receive");
        await File.WriteAllTextAsync(hook, "#!/bin/sh\necho 'frozen: the release manager closed main' >&2\nexit 1\n");
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        work.Commit();
        var refused = work.Git("push", "origin", "main");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("remote: upstream: frozen: the release manager closed main", refused.Output);
        Assert.DoesNotContain(TwoWayPortalFixture.UpstreamSecret, refused.Output);
        Assert.Equal(pushed, upstream.Refs["refs/heads/main"]);
        Assert.Equal(pushed, PortalRefs(user, name)["refs/heads/main"]);
        File.Delete(hook);

        // Force and deletion go through as the client asked.
        TestGit.Run(work.Path, "reset", "--quiet", "--hard", "HEAD~2");
        var rewritten = work.Commit();
        Assert.Equal(0, work.Git("push", "--quiet", "--force", "origin", "main").ExitCode);
        Assert.Equal(0, work.Git("push", "--quiet", "origin", "--delete", "feature").ExitCode);
        Assert.Equal(rewritten, upstream.Refs["refs/heads/main"]);
        Assert.False(upstream.Refs.ContainsKey("refs/heads/feature"));
        var refs = PortalRefs(user, name);
        Assert.Equal(rewritten, refs["refs/heads/main"]);
        Assert.False(refs.ContainsKey("refs/heads/feature"));

        var events = await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user.Name}/{name}/events");
        var pushes = events.EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "push").ToList();
        Assert.All(pushes, p => Assert.Equal(user.Name, p.GetProperty("actor").GetString()));
        Assert.Contains(pushes, p => p.GetProperty("outcome").GetString() == "failed" && p.GetProperty("error").GetString()!.Contains("frozen", StringComparison.Ordinal));
        Assert.Contains(pushes, p => p.GetProperty("refChanges").EnumerateArray().Any(c => c.GetProperty("kind").GetString() == "forced"));
    }

    [Fact]
    public async Task MirrorWithoutWriteThrough_StillRefusesPushes()
    {
        var user = await fixture.CreateUserAsync("readonly");
        var upstream = Upstream.CreateRepository(HostedPortalFixture.Unique("readonly"));
        var head = upstream.Commit("main");
        upstream.Push();
        using var api = fixture.BasicClient(user.Name, user.Password);
        var name = await CreateMirrorAsync(api, user, upstream, []);
        using var work = new WorkingCopy(fixture.Url(user.Name, name, user));
        work.Commit();

        Assert.NotEqual(0, work.Git("push", "origin", "main").ExitCode);
        Assert.Equal(head, upstream.Refs["refs/heads/main"]);
    }

    [Fact]
    public async Task Bidirectional_PullMirrorWithAPushMirrorBack_ConvergesWithoutLoops()
    {
        var user = await fixture.CreateUserAsync("both");
        var upstream = Upstream.CreateRepository(HostedPortalFixture.Unique("both"));
        upstream.Commit("main");
        upstream.Push();
        using var api = fixture.BasicClient(user.Name, user.Password);
        var name = await CreateMirrorAsync(api, user, upstream, new Dictionary<string, object?> { ["writeThrough"] = true });
        var created = await api.PostAsJsonAsync($"api/v1/repos/{user.Name}/{name}/push-mirrors", new { url = Upstream.Url(upstream.Name), auth = UpstreamAuth });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var mirrorUrl = $"api/v1/repos/{user.Name}/{name}/push-mirrors/{(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64()}";
        await WaitForMirrorAsync(api, mirrorUrl, m => m.GetProperty("status").GetString() == "succeeded");

        // A change upstream: the push mirror's run asks for a pull instead of pushing the old state back.
        var upstreamHead = upstream.Commit("main");
        upstream.Push();
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsync(mirrorUrl + "/sync", null)).StatusCode);
        await WaitUntilAsync(() => PortalRefs(user, name).GetValueOrDefault("refs/heads/main") == upstreamHead, "Portal pulls the upstream's change");

        // A change through Portal reaches the upstream once; afterwards both sides stay put.
        using var work = new WorkingCopy(fixture.Url(user.Name, name, user));
        var portalHead = work.Commit();
        var attemptBefore = (await api.GetFromJsonAsync<JsonElement>(mirrorUrl)).GetProperty("lastAttemptAt").GetString();
        Assert.Equal(0, work.Git("push", "--quiet", "origin", "main").ExitCode);
        await WaitForMirrorAsync(api, mirrorUrl, m => m.GetProperty("status").GetString() == "succeeded" && m.GetProperty("lastAttemptAt").GetString() != attemptBefore);
        // Settled: any run the last change asked for has happened (the debounce is 0.3 s); from now on nothing moves.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var settled = await api.GetFromJsonAsync<JsonElement>(mirrorUrl);
        var requestsBefore = Upstream.RequestCount;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var later = await api.GetFromJsonAsync<JsonElement>(mirrorUrl);
        Assert.Equal(portalHead, upstream.Refs["refs/heads/main"]);
        Assert.Equal(portalHead, PortalRefs(user, name)["refs/heads/main"]);
        Assert.Equal("succeeded", later.GetProperty("status").GetString());
        Assert.Equal(settled.GetProperty("lastAttemptAt").GetString(), later.GetProperty("lastAttemptAt").GetString());
        Assert.Equal(requestsBefore, Upstream.RequestCount);
    }

    private async Task<string> CreateMirrorAsync(HttpClient api, GitUser user, UpstreamRepository upstream, Dictionary<string, object?> extra)
    {
        var name = HostedPortalFixture.Unique("mirror");
        var body = new Dictionary<string, object?>
        {
            ["mode"] = "mirror",
            ["cloneUrl"] = Upstream.Url(upstream.Name),
            ["owner"] = user.Name,
            ["name"] = name,
            ["visibility"] = "private",
            ["auth"] = UpstreamAuth,
        };
        foreach (var (key, value) in extra)
        {
            body[key] = value;
        }

        var created = await api.PostAsJsonAsync("api/v1/repos", body);
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
        await WaitForSyncAsync(api, user, name);
        return name;
    }

    private static async Task SyncAsync(HttpClient api, GitUser user, string name)
    {
        var before = (await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user.Name}/{name}")).GetProperty("sync").GetProperty("lastAttemptAt").GetString();
        var sync = await api.PostAsync($"api/v1/repos/{user.Name}/{name}/sync", null);
        Assert.True(sync.StatusCode == HttpStatusCode.Accepted, await sync.Content.ReadAsStringAsync());
        await WaitUntilAsync(async () => (await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user.Name}/{name}")).GetProperty("sync") is var s
            && s.GetProperty("status").GetString() is not ("queued" or "running") && s.GetProperty("lastAttemptAt").GetString() != before, "the sync ends");
    }

    internal static async Task WaitForSyncAsync(HttpClient api, GitUser user, string name)
    {
        var sync = default(JsonElement);
        await WaitUntilAsync(async () => (sync = (await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user.Name}/{name}")).GetProperty("sync")).GetProperty("status").GetString() is not ("queued" or "running"), "the import ends");
        Assert.True(sync.GetProperty("status").GetString() == "succeeded", sync.GetRawText());
    }

    internal static async Task<JsonElement> WaitForMirrorAsync(HttpClient api, string mirrorUrl, Func<JsonElement, bool> done)
    {
        var mirror = default(JsonElement);
        await WaitUntilAsync(async () => done(mirror = await api.GetFromJsonAsync<JsonElement>(mirrorUrl)), $"the push mirror reaches the state wanted (last: {mirrorUrl})");
        return mirror;
    }

    private Dictionary<string, string> PortalRefs(GitUser user, string name) =>
        TestGit.Run(null, "ls-remote", fixture.Url(user.Name, name, user)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t')).Where(p => p[1] != "HEAD").ToDictionary(p => p[1], p => p[0]);

    internal static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>Polls until the condition holds; a condition that never holds fails the test (not a timing assertion: the limit is generous).</summary>
    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 60 s for {what}.");
            }

            await Task.Delay(100);
        }
    }
}
