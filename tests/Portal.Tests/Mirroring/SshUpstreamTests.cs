using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Testing;

namespace Portal.Tests.Mirroring;

public sealed class SshServerFixture : IDisposable
{
    public SshServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// ssh:// upstreams on a real sshd with a deploy key Portal generated. sshd logs in as the account running the tests,
/// which needs root (CI runs as root); elsewhere these tests stop at their first line with a message.
/// </summary>
public sealed class SshUpstreamTests(MirrorPortalFactory portal, SshServerFixture ssh) : IClassFixture<MirrorPortalFactory>, IClassFixture<SshServerFixture>
{
    private async Task<(string Id, string PublicKey)> NewDeployKeyAsync(MirrorApi api)
    {
        var response = await api.Client.PostAsync("/api/v1/deploy-keys", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var key = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (key.GetProperty("id").GetString()!, key.GetProperty("publicKey").GetString()!);
    }

    [Fact]
    public async Task DeployKey_MirrorsOverSsh_PinsTheHostKey_AndRefusesAChangedOne()
    {
        Assert.True(SshServer.CanRun, "sshd needs root here: run the tests as root (CI does).");
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("ssh");
        var upstream = ssh.Server.CreateRepository(name);
        upstream.Commit("main");
        upstream.Tag("v1", annotation: "one");
        upstream.Push();
        var (keyId, publicKey) = await NewDeployKeyAsync(api);
        Assert.StartsWith("ssh-ed25519 ", publicKey);

        // Before the key is added upstream, the connection test explains what to do.
        var refused = await api.Client.PostAsJsonAsync("/api/v1/repos/test-connection", new { cloneUrl = ssh.Server.Url(name), auth = new { deployKeyId = keyId } });
        Assert.Contains("deploy key", await refused.Content.ReadAsStringAsync());

        ssh.Server.Authorize(publicKey);
        var probe = await api.Client.PostAsJsonAsync("/api/v1/repos/test-connection", new { cloneUrl = ssh.Server.Url(name), auth = new { deployKeyId = keyId } });
        Assert.True(probe.StatusCode == HttpStatusCode.OK, await probe.Content.ReadAsStringAsync());
        var fingerprints = (await probe.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hostKeyFingerprints").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.Contains(fingerprints, f => f.StartsWith("SHA256:", StringComparison.Ordinal) && f.EndsWith("(ED25519)", StringComparison.Ordinal));

        var repository = await api.ImportAsync(name, ssh.Server.Url(name), auth: new { deployKeyId = keyId });
        Assert.Equal("succeeded", MirrorApi.Status(repository));
        Assert.Equal(ssh.Server.Url(name), repository.GetProperty("upstreamUrl").GetString());
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(repository)));
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var id = repository.GetProperty("id").GetInt64();
            var source = await db.UpstreamSources.SingleAsync(s => s.RepositoryId == id);
            Assert.Contains("ssh-ed25519", source.PinnedHostKey);
            var credential = await db.UpstreamCredentials.SingleAsync(c => c.RepositoryId == id);
            Assert.DoesNotContain("PRIVATE KEY", credential.ProtectedSshPrivateKey);
            Assert.Equal(publicKey, credential.SshPublicKey);
            Assert.False(await db.PendingDeployKeys.AnyAsync(k => k.Id == keyId));
        }

        upstream.Commit("main");
        upstream.Push();
        Assert.Equal("succeeded", MirrorApi.Status(await api.SyncAndWaitAsync(name)));
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(repository)));

        var pinnedRefs = TestGit.Refs(api.RepositoryPath(repository));
        ssh.Server.RotateHostKey();
        upstream.Commit("main");
        upstream.Push();
        var mismatch = await api.SyncAndWaitAsync(name);

        Assert.Equal("failed", MirrorApi.Status(mismatch));
        var error = MirrorApi.LastError(mismatch)!;
        Assert.Contains("host key changed", error);
        Assert.Contains(fingerprints[0].Split(' ')[0], error);
        Assert.Equal(2, error.Split("SHA256:").Length - 1);
        Assert.Equal(pinnedRefs, TestGit.Refs(api.RepositoryPath(repository)));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(portal.DataDir, "tmp"), "ssh-*"));
    }

    [Fact]
    [Trait("Category", "Hardening")]
    public async Task TheHostKeyShownByTheConnectionTest_IsTheOnePinned_SoAServerThatChangedSinceFailsTheFirstSync()
    {
        Assert.True(SshServer.CanRun, "sshd needs root here: run the tests as root (CI does).");
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("seen");
        var upstream = ssh.Server.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        var (keyId, publicKey) = await NewDeployKeyAsync(api);
        ssh.Server.Authorize(publicKey);
        var probe = await api.Client.PostAsJsonAsync("/api/v1/repos/test-connection", new { cloneUrl = ssh.Server.Url(name), auth = new { deployKeyId = keyId } });
        Assert.True(probe.StatusCode == HttpStatusCode.OK, await probe.Content.ReadAsStringAsync());
        var seen = await probe.Content.ReadFromJsonAsync<JsonElement>();
        var seenKeys = seen.GetProperty("hostKeys").GetString()!;
        var seenFingerprint = seen.GetProperty("hostKeyFingerprints")[0].GetString()!.Split(' ')[0];
        Assert.StartsWith("127.0.0.1 ssh-ed25519 ", seenKeys);

        // Between the test and the import, the server (or someone in between) presents another key.
        ssh.Server.RotateHostKey();
        var created = await api.CreateRepositoryAsync(name, ssh.Server.Url(name), auth: new { deployKeyId = keyId }, hostKeys: seenKeys);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var first = await api.WaitForSyncAsync(name);

        Assert.Equal("failed", MirrorApi.Status(first));
        var error = MirrorApi.LastError(first)!;
        Assert.Contains("host key changed", error);
        Assert.Contains(seenFingerprint, error);
        Assert.Equal(2, error.Split("SHA256:").Length - 1);
        Assert.False(Directory.Exists(api.RepositoryPath(first)));

        // The maintainer checks the new key with the server's admin and enters it by hand: the mirror syncs.
        var patched = await api.Client.PatchAsJsonAsync($"/api/v1/repos/{api.UserName}/{name}", new { hostKeys = ssh.Server.HostPublicKey });
        Assert.True(patched.StatusCode == HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
        Assert.Equal($"127.0.0.1 {string.Join(' ', ssh.Server.HostPublicKey.Split(' ')[..2])}\n", (await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mirror").GetProperty("hostKeys").GetString());
        Assert.Equal("succeeded", MirrorApi.Status(await api.SyncAndWaitAsync(name)));
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(first)));
    }

    [Theory]
    [Trait("Category", "Hardening")]
    [InlineData("not a key at all", "Line 1 is not a host key")]
    [InlineData("# only a comment\n\n", "Enter at least one host key")]
    [InlineData("gitlab.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "host key for 'gitlab.example.com'")]
    [InlineData("127.0.0.1 ssh-ed25519 AAAAthis-is-not-base64", "Line 1 is not a valid SSH public key")]
    [InlineData("@cert-authority * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "markers")]
    public async Task HostKeysByHand_AreCheckedByOpenSsh_AndGarbageIsRefusedClearly_ChangingNothing(string hostKeys, string reason)
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("manual");
        var good = ssh.Server.HostPublicKey;

        var refusedCreate = await api.CreateRepositoryAsync(name, ssh.Server.Url(name), hostKeys: hostKeys);
        var refusedTest = await api.Client.PostAsJsonAsync("/api/v1/repos/test-connection", new { cloneUrl = ssh.Server.Url(name), hostKeys });
        var notSsh = await api.CreateRepositoryAsync(name, $"http://127.0.0.1:1/{name}.git", hostKeys: good);
        var accepted = await api.CreateRepositoryAsync(name, ssh.Server.Url(name), hostKeys: $"# from the admin\n[127.0.0.1]:{ssh.Server.Port} {good}\n{good}\n");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var refusedPatch = await api.Client.PatchAsJsonAsync($"/api/v1/repos/{api.UserName}/{name}", new { hostKeys });

        await Infrastructure.ProblemAssert.IsProblemAsync(refusedCreate, HttpStatusCode.BadRequest, reason);
        await Infrastructure.ProblemAssert.IsProblemAsync(refusedTest, HttpStatusCode.BadRequest, reason);
        await Infrastructure.ProblemAssert.IsProblemAsync(notSsh, HttpStatusCode.BadRequest, "ssh:// (and user@host:path) upstreams only");
        await Infrastructure.ProblemAssert.IsProblemAsync(refusedPatch, HttpStatusCode.BadRequest, reason);
        var pinned = (await api.GetAsync(name)).GetProperty("mirror").GetProperty("hostKeys").GetString();
        Assert.Equal($"127.0.0.1 {string.Join(' ', good.Split(' ')[..2])}\n", pinned);
    }

    [Fact]
    public async Task PasswordOverSsh_IsRefused_WithWhatToUseInstead()
    {
        using var api = await MirrorApi.CreateAsync(portal);

        var response = await api.CreateRepositoryAsync(PortalFactoryNames.Next("sshpw"), ssh.Server.Url("x"), auth: new { username = "git", secret = "pw-12345" });

        await Infrastructure.ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "deploy key");
    }
}
