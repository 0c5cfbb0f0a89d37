using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
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

/// <summary>
/// Pushes larger than Portal:Git:MaxRequestBodyBytes (256 KiB here) are refused and change nothing, counted as they
/// arrive and, for a gzip-compressed body, as they inflate: a small body may not expand past the limit into git.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class OversizedPushTests : IAsyncLifetime
{
    private const string ZeroId = "0000000000000000000000000000000000000000";
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

    [Fact]
    public async Task GzipPushThatInflatesPastTheLimit_IsRefused413_AndNothingChanges()
    {
        using var admin = AdminClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = HostedPortalFixture.AdminName, name = "inflated" })).StatusCode);
        var receivePack = $"{HostedPortalFixture.AdminName}/inflated.git/git-receive-pack";
        using var work = new WorkingCopy();
        var first = work.Commit("small.txt");
        var firstPack = Pack(work.Path, "HEAD");
        // 1 MiB of text, stored uncompressed in the pack (pack.compression=0): gzip shrinks the request to a few KiB.
        var second = work.Commit("big.txt", Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("all work and no play makes a big push\n", 28_000))));
        var secondPack = Pack(work.Path, "HEAD", "^HEAD~1");

        var accepted = await admin.SendAsync(Gzipped(receivePack, ReceivePackRequest(ZeroId, first, firstPack)));
        var acceptedBody = await accepted.Content.ReadAsStringAsync();
        var refused = await admin.SendAsync(Gzipped(receivePack, ReceivePackRequest(first, second, secondPack)));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains("ok refs/heads/main", acceptedBody);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("262,144 bytes", await refused.Content.ReadAsStringAsync());
        Assert.StartsWith(first, TestGit.Run(Path.Combine(portal.DataDir, "repositories", "1.git"), "rev-parse", "refs/heads/main"));
        TestGit.Run(Path.Combine(portal.DataDir, "repositories", "1.git"), "fsck", "--no-progress");
    }

    [Fact]
    public async Task GzipBomb_IsRefused413_InsteadOfInflatingIntoGit()
    {
        using var admin = AdminClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = HostedPortalFixture.AdminName, name = "bomb" })).StatusCode);

        // A pack that git reads happily for 64 MiB (one blob of zeros, zlib "stored" blocks), gzipped to a few KiB.
        var bomb = new MemoryStream();
        using (var gzip = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            const int blobBytes = 64 * 1024 * 1024;
            gzip.Write(ReceivePackRequest(ZeroId, new string('1', 40), []));
            gzip.Write([.. "PACK"u8, 0, 0, 0, 2, 0, 0, 0, 1, .. ObjectHeader(type: 3, blobBytes)]);
            using var zlib = new ZLibStream(gzip, CompressionLevel.NoCompression, leaveOpen: true);
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < blobBytes / zeros.Length; i++)
            {
                zlib.Write(zeros);
            }
        }

        Assert.InRange(bomb.Length, 1, 200_000);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{HostedPortalFixture.AdminName}/bomb.git/git-receive-pack") { Content = new ByteArrayContent(bomb.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-git-receive-pack-request");
        request.Content.Headers.ContentEncoding.Add("gzip");
        var response = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("262,144 bytes", await response.Content.ReadAsStringAsync());
        Assert.Empty(TestGit.Run(Path.Combine(portal.DataDir, "repositories", "1.git"), "for-each-ref").Trim());
    }

    public async Task DisposeAsync() => await portal.DisposeAsync();

    private HttpClient AdminClient()
    {
        var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HostedPortalFixture.AdminName}:{HostedPortalFixture.AdminPassword}")));
        return client;
    }

    /// <summary>A pack of the given revisions, its objects stored uncompressed (as zlib "stored" blocks).</summary>
    private static byte[] Pack(string repository, params string[] revisions)
    {
        var prefix = Path.Combine(repository, ".git", "test-pack");
        var hash = TestProcess.Run("git", repository, ["-c", "pack.compression=0", "pack-objects", "--revs", "--quiet", prefix], TestGit.Environment, input: string.Join('\n', revisions) + "\n").Trim();
        return File.ReadAllBytes($"{prefix}-{hash}.pack");
    }

    /// <summary>What git sends to git-receive-pack: one ref update (pkt-line), a flush, then the pack.</summary>
    private static byte[] ReceivePackRequest(string oldId, string newId, byte[] pack)
    {
        var command = $"{oldId} {newId} refs/heads/main\0report-status\n";
        return [.. Encoding.ASCII.GetBytes($"{command.Length + 4:x4}{command}0000"), .. pack];
    }

    private static HttpRequestMessage Gzipped(string url, byte[] body)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(body);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(compressed.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-git-receive-pack-request");
        request.Content.Headers.ContentEncoding.Add("gzip");
        return request;
    }

    /// <summary>A pack entry's header: type and size, 4 bits then 7 bits per byte.</summary>
    private static byte[] ObjectHeader(int type, long size)
    {
        var bytes = new List<byte> { (byte)((type << 4) | (int)(size & 0x0F)) };
        size >>= 4;
        while (size > 0)
        {
            bytes[^1] |= 0x80;
            bytes.Add((byte)(size & 0x7F));
            size >>= 7;
        }

        return [.. bytes];
    }
}
