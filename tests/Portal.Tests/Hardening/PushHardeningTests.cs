using System.Net;
using System.Security.Cryptography;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Hardening;

/// <summary>What a git client may not do to a repository, against a real Portal process.</summary>
[Trait("Category", "Hardening")]
public sealed class PushHardeningTests(HostedPortalFixture fixture) : IClassFixture<HostedPortalFixture>
{
    [Theory]
    [InlineData("refs/heads/-x")]
    [InlineData("refs/heads/feature/-rf")]
    [InlineData("refs/tags/-v1")]
    public async Task RefNamesThatLookLikeOptions_AreRefused_WithTheReason(string refName)
    {
        var user = await fixture.CreateUserAsync("pusher");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var work = new WorkingCopy();
        work.Commit();
        TestGit.Run(work.Path, "push", "--quiet", fixture.Url(user.Name, name, user), "main");

        var push = work.Git("push", fixture.Url(user.Name, name, user), $"HEAD:{refName}");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("remote: Portal refuses the ref name", push.Output);
        Assert.DoesNotContain(refName, TestGit.Run(null, "ls-remote", fixture.Url(user.Name, name, user)));
    }

    [Fact]
    public async Task MaliciousPack_IsRejectedByFsck_AndNothingChanges()
    {
        var user = await fixture.CreateUserAsync("pusher");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var work = new WorkingCopy();
        work.Commit();
        TestGit.Run(work.Path, "push", "--quiet", fixture.Url(user.Name, name, user), "main");
        var before = TestGit.Run(null, "ls-remote", fixture.Url(user.Name, name, user));

        // A tree with a ".git" entry: checking it out would overwrite a clone's own repository (CVE-2014-9390).
        var blob = TestGit.Run(work.Path, "rev-parse", "HEAD:file1.txt").Trim();
        var evilTree = TestProcess.Run("git", work.Path, ["mktree"], TestGit.Environment, check: true, input: $"100644 blob {blob}\t.git\n").Trim();
        var evilCommit = TestGit.Run(work.Path, "commit-tree", evilTree, "-p", "HEAD", "-m", "evil").Trim();
        var push = work.Git("push", fixture.Url(user.Name, name, user), $"{evilCommit}:refs/heads/evil");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Equal(before, TestGit.Run(null, "ls-remote", fixture.Url(user.Name, name, user)));
    }

    [Fact]
    public async Task GarbageInsteadOfAPush_IsRefused()
    {
        var user = await fixture.CreateUserAsync("pusher");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var client = fixture.BasicClient(user.Name, user.Token);

        var response = await client.PostAsync($"{user.Name}/{name}.git/git-receive-pack", new ByteArrayContent(RandomNumberGenerator.GetBytes(300)));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK, response.StatusCode.ToString());
        Assert.Empty(TestGit.Run(null, "ls-remote", fixture.Url(user.Name, name, user)).Trim());
    }
}

/// <summary>Pushes larger than Portal:Git:MaxRequestBodyBytes are refused and change nothing.</summary>
[Trait("Category", "Hardening")]
public sealed class OversizedPushTests : IAsyncLifetime
{
    private PortalProcess portal = default!;

    public async Task InitializeAsync() => portal = await PortalProcess.StartAsync(settings: new Dictionary<string, string>
    {
        ["Portal:Admin:UserName"] = HostedPortalFixture.AdminName,
        ["Portal:Admin:Password"] = HostedPortalFixture.AdminPassword,
        ["Portal:Git:MaxRequestBodyBytes"] = "262144",
    });

    [Fact]
    public async Task PushOverTheLimit_IsRefused_AndNothingChanges()
    {
        using var admin = new HttpClient { BaseAddress = portal.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{HostedPortalFixture.AdminName}:{HostedPortalFixture.AdminPassword}")));
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = HostedPortalFixture.AdminName, name = "small" })).StatusCode);
        var url = $"http://{HostedPortalFixture.AdminName}:{HostedPortalFixture.AdminPassword}@127.0.0.1:{portal.BaseAddress.Port}/{HostedPortalFixture.AdminName}/small.git";
        using var work = new WorkingCopy();
        work.Commit("small.txt");
        TestGit.Run(work.Path, "push", "--quiet", url, "main");
        var before = TestGit.Run(null, "ls-remote", url);
        work.Commit("big.bin", RandomNumberGenerator.GetBytes(2 * 1024 * 1024));

        var push = work.Git("push", url, "main");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Equal(before, TestGit.Run(null, "ls-remote", url));
        TestGit.Run(Path.Combine(portal.DataDir, "repositories", "1.git"), "fsck", "--no-progress");
    }

    public async Task DisposeAsync() => await portal.DisposeAsync();
}
