using System.Net;
using System.Text.Json;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Mirroring;

/// <summary>
/// Two-way mirroring over ssh:// against a real sshd on 127.0.0.1, with a deploy key Portal generated and the server's
/// host key pinned. sshd logs in as the account running the tests, which needs root (CI runs as root).
/// </summary>
public sealed class SshPushMirrorTests(TwoWayPortalFixture fixture, SshServerFixture ssh) : IClassFixture<TwoWayPortalFixture>, IClassFixture<SshServerFixture>
{
    [Fact]
    public async Task PushMirror_OverSsh_WithADeployKeyAndAPinnedHostKey_FollowsPushes_AndRefusesAChangedHostKey()
    {
        Assert.True(SshServer.CanRun, "sshd needs root here: run the tests as root (CI does).");
        using var work = new WorkingCopy();
        var (user, name, url) = await fixture.HostedWithTaggedCommitAsync("ssh-push", work);
        var target = ssh.Server.CreateRepository(HostedPortalFixture.Unique("ssh-target"));
        using var api = fixture.BasicClient(user.Name, user.Password);
        var (keyId, publicKey) = await NewDeployKeyAsync(api);
        ssh.Server.Authorize(publicKey);

        var created = await api.PostAsJsonAsync($"api/v1/repos/{user.Name}/{name}/push-mirrors", new { url = ssh.Server.Url(target.Name), auth = new { deployKeyId = keyId }, hostKeys = ssh.Server.HostPublicKey });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var mirrorUrl = $"api/v1/repos/{user.Name}/{name}/push-mirrors/{(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64()}";
        var first = await TwoWayMirroringTests.WaitForMirrorAsync(api, mirrorUrl, m => m.GetProperty("status").GetString() is "succeeded" or "failed" or "hard_failed");
        Assert.True(first.GetProperty("status").GetString() == "succeeded", first.GetRawText());
        Assert.Equal(work.Head, target.Refs["refs/heads/main"]);
        Assert.True(target.Refs.ContainsKey("refs/tags/v1"));

        var second = work.Commit();
        Assert.Equal(0, work.Git("push", "--quiet", url, "main").ExitCode);
        await TwoWayMirroringTests.WaitUntilAsync(() => target.Refs.GetValueOrDefault("refs/heads/main") == second, "a push to Portal reaches the ssh target");

        // Another key answers at the same address: the pinned key refuses it, and the target keeps what it had.
        ssh.Server.RotateHostKey();
        work.Commit();
        Assert.Equal(0, work.Git("push", "--quiet", url, "main").ExitCode);
        var failed = await TwoWayMirroringTests.WaitForMirrorAsync(api, mirrorUrl, m => m.GetProperty("status").GetString() is "failed" or "hard_failed");

        Assert.Contains("host key changed", failed.GetProperty("lastError").GetString());
        Assert.Equal(second, target.Refs["refs/heads/main"]);
    }

    [Fact]
    public async Task WriteThrough_OverSsh_WithADeployKey_GoesUpstreamFirst()
    {
        Assert.True(SshServer.CanRun, "sshd needs root here: run the tests as root (CI does).");
        var user = await fixture.CreateUserAsync("ssh-wt");
        var upstream = ssh.Server.CreateRepository(HostedPortalFixture.Unique("ssh-upstream"));
        upstream.Commit("main");
        upstream.Push();
        using var api = fixture.BasicClient(user.Name, user.Password);
        var (keyId, publicKey) = await NewDeployKeyAsync(api);
        ssh.Server.Authorize(publicKey);
        var name = HostedPortalFixture.Unique("ssh-wt");
        var created = await api.PostAsJsonAsync("api/v1/repos", new
        {
            mode = "mirror", cloneUrl = ssh.Server.Url(upstream.Name), owner = user.Name, name, visibility = "private",
            auth = new { deployKeyId = keyId }, hostKeys = ssh.Server.HostPublicKey, writeThrough = true,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
        await TwoWayMirroringTests.WaitForSyncAsync(api, user, name);
        using var work = new WorkingCopy(fixture.Url(user.Name, name, user));

        var pushed = work.Commit();
        var accepted = work.Git("push", "origin", "main");

        Assert.True(accepted.ExitCode == 0, accepted.Output);
        Assert.Equal(pushed, upstream.Refs["refs/heads/main"]);
        Assert.Equal(pushed, TestGit.Run(null, "ls-remote", fixture.Url(user.Name, name, user), "refs/heads/main").Split('\t')[0]);
    }

    private static async Task<(string Id, string PublicKey)> NewDeployKeyAsync(HttpClient api)
    {
        var response = await api.PostAsync("api/v1/deploy-keys", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var key = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (key.GetProperty("id").GetString()!, key.GetProperty("publicKey").GetString()!);
    }
}
