using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Portal.Testing;

namespace Portal.Tests.GitHttp;

/// <summary>Who may clone and push what, over the real git client and plain HTTP, and what each is told.</summary>
public sealed class GitAccessTests(HostedPortalFixture fixture) : IClassFixture<HostedPortalFixture>
{
    private sealed record Setup(string Org, GitUser Owner, GitUser Reader, GitUser Developer, GitUser Outsider);

    private async Task<Setup> CreateAsync()
    {
        var owner = await fixture.CreateUserAsync("owner");
        var reader = await fixture.CreateUserAsync("reader");
        var developer = await fixture.CreateUserAsync("developer");
        var outsider = await fixture.CreateUserAsync("outsider");
        var org = await fixture.CreateOrganizationAsync(owner, (reader, "reader"), (developer, "developer"));
        return new Setup(org, owner, reader, developer, outsider);
    }

    private async Task<string> RepositoryWithACommitAsync(Setup setup, string visibility)
    {
        var name = await fixture.CreateHostedAsync(setup.Owner, setup.Org, visibility);
        using var work = new WorkingCopy();
        work.Commit();
        TestGit.Run(work.Path, "push", "--quiet", fixture.Url(setup.Org, name, setup.Owner), "main");
        return name;
    }

    private async Task<HttpStatusCode> InfoRefsAsync(string org, string name, GitUser? user, string service = "git-upload-pack")
    {
        using var client = fixture.AnonymousClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.Name}:{user.Token}")));
        }

        return (await client.GetAsync($"{org}/{name}.git/info/refs?service={service}")).StatusCode;
    }

    [Theory]
    // visibility, who, can read (HTTP status of info/refs for upload-pack)
    [InlineData("public", "anonymous", HttpStatusCode.OK)]
    [InlineData("public", "outsider", HttpStatusCode.OK)]
    [InlineData("internal", "anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("internal", "outsider", HttpStatusCode.OK)]
    [InlineData("private", "anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("private", "outsider", HttpStatusCode.NotFound)]
    [InlineData("private", "reader", HttpStatusCode.OK)]
    [InlineData("private", "developer", HttpStatusCode.OK)]
    public async Task Read_FollowsVisibilityAndMembership(string visibility, string who, HttpStatusCode expected)
    {
        var setup = await CreateAsync();
        var name = await fixture.CreateHostedAsync(setup.Owner, setup.Org, visibility);

        Assert.Equal(expected, await InfoRefsAsync(setup.Org, name, User(setup, who)));
    }

    [Theory]
    [InlineData("public", "anonymous", HttpStatusCode.Unauthorized)]
    [InlineData("public", "outsider", HttpStatusCode.Forbidden)]
    [InlineData("public", "reader", HttpStatusCode.Forbidden)]
    [InlineData("public", "developer", HttpStatusCode.OK)]
    [InlineData("private", "outsider", HttpStatusCode.NotFound)]
    [InlineData("private", "reader", HttpStatusCode.Forbidden)]
    [InlineData("private", "developer", HttpStatusCode.OK)]
    [InlineData("private", "owner", HttpStatusCode.OK)]
    public async Task Push_NeedsDeveloperAccess(string visibility, string who, HttpStatusCode expected)
    {
        var setup = await CreateAsync();
        var name = await fixture.CreateHostedAsync(setup.Owner, setup.Org, visibility);

        Assert.Equal(expected, await InfoRefsAsync(setup.Org, name, User(setup, who), "git-receive-pack"));
    }

    [Fact]
    public async Task PrivateRepository_LooksExactlyLikeAMissingOne()
    {
        var setup = await CreateAsync();
        var name = await RepositoryWithACommitAsync(setup, "private");

        var missing = TestGit.TryRun(null, "ls-remote", fixture.Url(setup.Org, "no-such-repo", setup.Outsider));
        var hidden = TestGit.TryRun(null, "ls-remote", fixture.Url(setup.Org, name, setup.Outsider));
        var anonymous = TestGit.TryRun(null, "ls-remote", fixture.Url(setup.Org, name));

        Assert.NotEqual(0, hidden.ExitCode);
        Assert.Equal(missing.Output.Replace("no-such-repo", "X", StringComparison.Ordinal), hidden.Output.Replace(name, "X", StringComparison.Ordinal));
        Assert.Contains("not found", hidden.Output);
        Assert.Contains("could not read Username", anonymous.Output);
        Assert.Equal(0, TestGit.TryRun(null, "ls-remote", fixture.Url(setup.Org, name, setup.Reader)).ExitCode);
    }

    [Fact]
    public async Task GitPrintsWhyAPushWasRefused()
    {
        var setup = await CreateAsync();
        var name = await RepositoryWithACommitAsync(setup, "public");
        using var work = new WorkingCopy(fixture.Url(setup.Org, name));
        work.Commit();

        var reader = work.Git("push", fixture.Url(setup.Org, name, setup.Reader), "HEAD:refs/heads/main");
        var developer = work.Git("push", "--quiet", fixture.Url(setup.Org, name, setup.Developer), "HEAD:refs/heads/main");

        Assert.NotEqual(0, reader.ExitCode);
        Assert.Contains("remote: You can read", reader.Output);
        Assert.Contains("ask a maintainer for developer access", reader.Output);
        Assert.Equal(0, developer.ExitCode);
    }

    [Fact]
    public async Task ReadOnlyToken_CanCloneButNotPush()
    {
        var developer = await fixture.CreateUserAsync("readonly", "read");
        var name = await fixture.CreateHostedAsync(developer, developer.Name);
        using var work = new WorkingCopy(fixture.Url(developer.Name, name, developer));
        work.Commit();

        var push = work.Git("push", fixture.Url(developer.Name, name, developer), "HEAD:refs/heads/main");
        var withPassword = work.Git("push", "--quiet", fixture.Url(developer.Name, name, developer, useToken: false), "HEAD:refs/heads/main");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("'write' scope", push.Output);
        Assert.Equal(0, withPassword.ExitCode);
    }

    [Fact]
    public async Task PushToAMirror_IsRefused_NamingTheUpstream()
    {
        using var daemon = new GitDaemonServer();
        var user = await fixture.CreateUserAsync("mirrorer");
        var upstream = daemon.CreateRepository("up");
        upstream.Commit();
        upstream.Push();
        using var api = fixture.BasicClient(user.Name, user.Password);
        var created = await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = daemon.Url("up"), mode = "mirror", owner = user.Name, name = "mirrored" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        await WaitUntilImportedAsync(api, $"api/v1/repos/{user.Name}/mirrored");
        using var work = new WorkingCopy(fixture.Url(user.Name, "mirrored", user));
        work.Commit();

        var push = work.Git("push", fixture.Url(user.Name, "mirrored", user), "HEAD:refs/heads/main");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains($"remote: '{user.Name}/mirrored' is a read-only mirror of {daemon.Url("up")}", push.Output);
        Assert.Contains($"Push to {daemon.Url("up")} instead", push.Output);
    }

    [Fact]
    [Trait("Category", "Hardening")]
    public async Task PushToAPublicMirror_ChecksAccessFirst_AndNamesTheUpstreamToMaintainersOnly()
    {
        using var daemon = new GitDaemonServer();
        var setup = await CreateAsync();
        var upstream = daemon.CreateRepository("hidden");
        upstream.Commit();
        upstream.Push();
        using var api = fixture.BasicClient(setup.Owner.Name, setup.Owner.Password);
        var created = await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = daemon.Url("hidden"), mode = "mirror", owner = setup.Org, name = "public-mirror", visibility = "public" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        await WaitUntilImportedAsync(api, $"api/v1/repos/{setup.Org}/public-mirror");
        using var work = new WorkingCopy(fixture.Url(setup.Org, "public-mirror"));
        work.Commit();
        var upstreamAddress = $"127.0.0.1:{daemon.Port}";

        var anonymous = work.Git("push", fixture.Url(setup.Org, "public-mirror"), "HEAD:refs/heads/main");
        var outsider = work.Git("push", fixture.Url(setup.Org, "public-mirror", setup.Outsider), "HEAD:refs/heads/main");
        var reader = work.Git("push", fixture.Url(setup.Org, "public-mirror", setup.Reader), "HEAD:refs/heads/main");
        var developer = work.Git("push", fixture.Url(setup.Org, "public-mirror", setup.Developer), "HEAD:refs/heads/main");
        var maintainer = work.Git("push", fixture.Url(setup.Org, "public-mirror", setup.Owner), "HEAD:refs/heads/main");
        using var plain = fixture.AnonymousClient();
        var anonymousHttp = await plain.GetAsync($"{setup.Org}/public-mirror.git/info/refs?service=git-receive-pack");

        // Anonymous: asked to authenticate (git prompts; without a terminal it says it could not read a user name).
        Assert.Contains("could not read Username", anonymous.Output);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousHttp.StatusCode);
        Assert.DoesNotContain(upstreamAddress, await anonymousHttp.Content.ReadAsStringAsync());
        Assert.Contains("You can read", outsider.Output);
        Assert.Contains("You can read", reader.Output);
        Assert.Contains("read-only mirror", developer.Output);
        foreach (var refused in new[] { anonymous, outsider, reader, developer })
        {
            Assert.NotEqual(0, refused.ExitCode);
            Assert.DoesNotContain(upstreamAddress, refused.Output);
        }

        Assert.NotEqual(0, maintainer.ExitCode);
        Assert.Contains($"read-only mirror of {daemon.Url("hidden")}", maintainer.Output);
    }

    [Fact]
    public async Task ClonesDuringAMirrorSync_AllSucceed()
    {
        using var daemon = new GitDaemonServer();
        var user = await fixture.CreateUserAsync("busy");
        var upstream = daemon.CreateRepository("busy");
        for (var i = 0; i < 3; i++)
        {
            upstream.Commit("main", content: System.Security.Cryptography.RandomNumberGenerator.GetBytes(2 * 1024 * 1024));
        }

        upstream.Push();
        using var api = fixture.BasicClient(user.Name, user.Password);
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = daemon.Url("busy"), mode = "mirror", owner = user.Name, name = "busy", visibility = "public" })).StatusCode);
        await WaitUntilImportedAsync(api, $"api/v1/repos/{user.Name}/busy");
        for (var i = 0; i < 3; i++)
        {
            upstream.Commit("main", content: System.Security.Cryptography.RandomNumberGenerator.GetBytes(2 * 1024 * 1024));
            upstream.Amend("main");
        }

        upstream.Push();

        var clones = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            var parent = Directory.CreateTempSubdirectory("portal-busy-").FullName;
            try
            {
                return TestGit.TryRun(parent, "clone", "--quiet", fixture.Url(user.Name, "busy"), "c");
            }
            finally
            {
                Directory.Delete(parent, recursive: true);
            }
        })).ToList();
        var sync = await api.PostAsync($"api/v1/repos/{user.Name}/busy/sync", null);
        var results = await Task.WhenAll(clones);
        await WaitUntilImportedAsync(api, $"api/v1/repos/{user.Name}/busy");

        Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Output));
        Assert.Equal(upstream.Refs["refs/heads/main"], TestGit.Run(null, "ls-remote", fixture.Url(user.Name, "busy"), "refs/heads/main").Split('\t')[0]);
    }

    [Theory]
    [InlineData("/..%2F..%2Fetc/passwd/info/refs?service=git-upload-pack")]
    [InlineData("/x/..%2F..%2F..%2Fetc.git/info/refs?service=git-upload-pack")]
    [InlineData("/x/y.git/info/refs?service=git-upload-pack%00")]
    [InlineData("/x/y.git/info/refs")]
    public async Task OddPaths_RevealNothing(string path)
    {
        using var client = fixture.AnonymousClient();

        var response = await client.GetAsync(path.TrimStart('/'));

        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest, response.StatusCode.ToString());
        Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RepeatedBadTokens_AreRateLimited()
    {
        var user = await fixture.CreateUserAsync("target");
        var name = await fixture.CreateHostedAsync(user, user.Name, "public");
        using var client = fixture.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.Name}:wrong-password-x")));

        for (var i = 0; i < 30; i++)
        {
            await client.GetAsync($"{user.Name}/{name}.git/info/refs?service=git-upload-pack");
        }

        var limited = await client.GetAsync($"{user.Name}/{name}.git/info/refs?service=git-upload-pack");
        Assert.Equal(HttpStatusCode.Unauthorized, limited.StatusCode);
        Assert.Contains("Too many failed sign-ins", await limited.Content.ReadAsStringAsync());
    }

    private static GitUser? User(Setup setup, string who) => who switch
    {
        "anonymous" => null,
        "owner" => setup.Owner,
        "reader" => setup.Reader,
        "developer" => setup.Developer,
        _ => setup.Outsider,
    };

    private static async Task WaitUntilImportedAsync(HttpClient api, string path)
    {
        for (var i = 0; i < 600; i++)
        {
            var status = (await api.GetFromJsonAsync<System.Text.Json.JsonElement>(path)).GetProperty("sync").GetProperty("status").GetString();
            if (status is "succeeded")
            {
                return;
            }

            Assert.NotEqual("failed", status);
            await Task.Delay(50);
        }

        Assert.Fail("The mirror did not finish syncing.");
    }
}
