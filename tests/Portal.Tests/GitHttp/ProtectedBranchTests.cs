using System.Net;
using System.Text.Json;
using Portal.Testing;

namespace Portal.Tests.GitHttp;

/// <summary>Protected branches on a running Portal: the API, and the real git client refused by Portal's pre-receive hook.</summary>
public sealed class ProtectedBranchTests(HostedPortalFixture fixture) : IClassFixture<HostedPortalFixture>
{
    [Fact]
    public async Task ProtectedBranch_RefusesForcePushAndDeletion_WithAMessageNamingTheRule()
    {
        var user = await fixture.CreateUserAsync("keeper");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var work = new WorkingCopy();
        work.Commit();
        work.Commit();
        var url = fixture.Url(user.Name, name, user);
        Assert.Equal(0, work.Git("push", "--quiet", url, "main", "main:refs/heads/feature").ExitCode);
        using var api = fixture.BasicClient(user.Name, user.Password);

        var put = await api.PutAsJsonAsync($"api/v1/repos/{user.Name}/{name}/protected-branches/main", new { });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var rule = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("main", rule.GetProperty("pattern").GetString());
        Assert.False(rule.GetProperty("allowForcePush").GetBoolean());
        Assert.Equal("maintainer", rule.GetProperty("pushAccess").GetString());

        var protectedTip = TestGit.Run(work.Path, "rev-parse", "main").Trim();
        TestGit.Run(work.Path, "reset", "--quiet", "--hard", "HEAD~1");
        work.Commit();
        var forced = work.Git("push", "--force", url, "main");
        Assert.NotEqual(0, forced.ExitCode);
        Assert.Contains("protected-branch rule 'main' does not allow rewriting its history", forced.Output);
        var deleted = work.Git("push", url, "--delete", "main");
        Assert.NotEqual(0, deleted.ExitCode);
        Assert.Contains("protected-branch rule 'main' does not allow deleting it", deleted.Output);
        Assert.Contains($"{protectedTip}\trefs/heads/main", TestGit.Run(null, "ls-remote", url));

        // The unprotected branch takes the same force-push; and once the rule allows it, so does main.
        Assert.Equal(0, work.Git("push", "--quiet", "--force", url, "main:feature").ExitCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"api/v1/repos/{user.Name}/{name}/protected-branches/main", new { allowForcePush = true })).StatusCode);
        Assert.Equal(0, work.Git("push", "--quiet", "--force", url, "main").ExitCode);
        Assert.Contains($"{work.Head}\trefs/heads/main", TestGit.Run(null, "ls-remote", url));
    }

    [Fact]
    public async Task MaintainersOnlyRule_RefusesDevelopers_UntilItLetsDevelopersPush()
    {
        var owner = await fixture.CreateUserAsync("owner");
        var developer = await fixture.CreateUserAsync("developer");
        var org = await fixture.CreateOrganizationAsync(owner, (developer, "developer"));
        var name = await fixture.CreateHostedAsync(owner, org);
        using var maintainer = fixture.BasicClient(owner.Name, owner.Password);
        Assert.Equal(HttpStatusCode.Created, (await maintainer.PutAsJsonAsync($"api/v1/repos/{org}/{name}/protected-branches/release/*", new { pushAccess = "maintainer" })).StatusCode);

        using var work = new WorkingCopy();
        work.Commit();
        var url = fixture.Url(org, name, developer);
        var refused = work.Git("push", url, "main:release/1.0");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("protected-branch rule 'release/*' lets only maintainers push to it", refused.Output);
        Assert.Equal(0, work.Git("push", "--quiet", url, "main").ExitCode);
        Assert.Equal(0, work.Git("push", "--quiet", fixture.Url(org, name, owner), "main:release/0.9").ExitCode);

        // A developer may read the rules but not change them.
        using var developerApi = fixture.BasicClient(developer.Name, developer.Password);
        var rules = await developerApi.GetFromJsonAsync<JsonElement>($"api/v1/repos/{org}/{name}/protected-branches");
        Assert.Equal("release/*", rules.EnumerateArray().Single().GetProperty("pattern").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await developerApi.PutAsJsonAsync($"api/v1/repos/{org}/{name}/protected-branches/release/*", new { pushAccess = "developer" })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await maintainer.PutAsJsonAsync($"api/v1/repos/{org}/{name}/protected-branches/release/*", new { pushAccess = "developer" })).StatusCode);
        Assert.Equal(0, work.Git("push", "--quiet", url, "main:release/1.0").ExitCode);
    }

    [Theory]
    [InlineData("main", """{"allowForcePush": false, "color": "red"}""")]
    [InlineData("main", """{"pushAccess": "everyone"}""")]
    [InlineData("bad..name", """{}""")]
    [InlineData("has%20space", """{}""")]
    public async Task BadRule_IsRefusedWithAProblem_AndNothingIsCreated(string pattern, string body)
    {
        var user = await fixture.CreateUserAsync("rules");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var api = fixture.BasicClient(user.Name, user.Password);

        var response = await api.PutAsync($"api/v1/repos/{user.Name}/{name}/protected-branches/{pattern}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user.Name}/{name}/protected-branches")).EnumerateArray());
    }

    [Fact]
    public async Task DeletedRule_NoLongerProtects()
    {
        var user = await fixture.CreateUserAsync("unprotect");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var work = new WorkingCopy();
        work.Commit();
        var url = fixture.Url(user.Name, name, user);
        Assert.Equal(0, work.Git("push", "--quiet", url, "main", "main:stable").ExitCode);
        using var api = fixture.BasicClient(user.Name, user.Password);
        Assert.Equal(HttpStatusCode.Created, (await api.PutAsJsonAsync($"api/v1/repos/{user.Name}/{name}/protected-branches/stable", new { })).StatusCode);
        Assert.NotEqual(0, work.Git("push", url, "--delete", "stable").ExitCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"api/v1/repos/{user.Name}/{name}/protected-branches/stable")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"api/v1/repos/{user.Name}/{name}/protected-branches/stable")).StatusCode);
        Assert.Equal(0, work.Git("push", "--quiet", url, "--delete", "stable").ExitCode);
    }
}
