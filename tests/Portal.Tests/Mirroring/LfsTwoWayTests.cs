using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Mirroring;

/// <summary>Two real Portal processes: this one mirrors and pushes, <see cref="Other"/> is the upstream or the target, LFS included.</summary>
public sealed class TwoPortalsFixture : HostedPortalFixture
{
    /// <summary>Each repository there holds at most this many bytes of LFS objects, so a larger upload is refused.</summary>
    public const int OtherQuotaBytes = 1024 * 1024;

    public HostedPortalFixture Other { get; } = new QuotaPortalFixture();

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Portal:PushMirrors:Debounce"] = "00:00:00.300",
    };

    public override async Task InitializeAsync()
    {
        await Other.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Other.DisposeAsync();
    }

    private sealed class QuotaPortalFixture : HostedPortalFixture
    {
        protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
        {
            ["Portal:Storage:QuotaBytesPerRepo"] = OtherQuotaBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}

/// <summary>
/// Git LFS objects through two-way mirroring, with another Portal on the other side: a write-through push hands the
/// upstream its LFS objects, and a push mirror with <c>lfs</c> copies them to its target.
/// </summary>
public sealed class LfsTwoWayTests(TwoPortalsFixture fixture) : IClassFixture<TwoPortalsFixture>
{
    private HostedPortalFixture Other => fixture.Other;

    [Fact]
    public async Task WriteThrough_PushWithLfsObjects_ForwardsThemToTheUpstreamsLfs()
    {
        var (owner, upstreamName, user, name) = await CreateWriteThroughMirrorAsync("lfs-wt");

        using var work = new WorkingCopy(fixture.Url(user.Name, name, user));
        var content = RandomNumberGenerator.GetBytes(200_000);
        var head = CommitLfsFile(work, content);
        var pushed = work.Git("push", "origin", "main");

        Assert.True(pushed.ExitCode == 0, pushed.Output);
        Assert.DoesNotContain(owner.Token, pushed.Output);
        Assert.Equal(head, RefsOf(Other.Url(owner.Name, upstreamName, owner))["refs/heads/main"]);
        Assert.Equal(content, await DownloadLfsAsync(Other, owner, upstreamName, content));
    }

    [Fact]
    public async Task WriteThrough_LfsObjectTheUpstreamRefuses_RefusesThePush_BeforeAnyRefMoves()
    {
        var (owner, upstreamName, user, name) = await CreateWriteThroughMirrorAsync("lfs-wt-full");
        var upstreamUrl = Other.Url(owner.Name, upstreamName, owner);
        var before = RefsOf(upstreamUrl)["refs/heads/main"];

        using var work = new WorkingCopy(fixture.Url(user.Name, name, user));
        CommitLfsFile(work, RandomNumberGenerator.GetBytes(TwoPortalsFixture.OtherQuotaBytes + 100_000));
        var refused = work.Git("push", "origin", "main");

        // The upstream's LFS refuses the object (over its quota): the refs were never sent, so neither side moved.
        Assert.True(refused.ExitCode != 0, refused.Output);
        Assert.Contains("LFS", refused.Output);
        Assert.DoesNotContain(owner.Token, refused.Output);
        Assert.Equal(before, RefsOf(upstreamUrl)["refs/heads/main"]);
        Assert.Equal(before, RefsOf(fixture.Url(user.Name, name, user))["refs/heads/main"]);
    }

    [Fact]
    public async Task PushMirror_WithLfs_ToAnotherPortal_CopiesTheObjects()
    {
        var user = await fixture.CreateUserAsync("lfs-source");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var work = new WorkingCopy();
        var content = RandomNumberGenerator.GetBytes(150_000);
        var head = CommitLfsFile(work, content);
        var pushed = work.Git("push", fixture.Url(user.Name, name, user), "main");
        Assert.True(pushed.ExitCode == 0, pushed.Output);
        var owner = await Other.CreateUserAsync("lfs-target");
        var targetName = await Other.CreateHostedAsync(owner, owner.Name);
        using var api = fixture.BasicClient(user.Name, user.Password);

        var created = await api.PostAsJsonAsync($"api/v1/repos/{user.Name}/{name}/push-mirrors", new
        {
            url = Other.Url(owner.Name, targetName), auth = new { username = owner.Name, secret = owner.Token }, lfs = true,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var mirrorUrl = $"api/v1/repos/{user.Name}/{name}/push-mirrors/{(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64()}";
        var mirror = await TwoWayMirroringTests.WaitForMirrorAsync(api, mirrorUrl, m => m.GetProperty("status").GetString() is "succeeded" or "failed" or "hard_failed");

        Assert.True(mirror.GetProperty("status").GetString() == "succeeded", mirror.GetRawText());
        Assert.Equal(head, RefsOf(Other.Url(owner.Name, targetName, owner))["refs/heads/main"]);
        Assert.Equal(content, await DownloadLfsAsync(Other, owner, targetName, content));
    }

    /// <summary>A hosted repository with one commit on the other Portal, mirrored here with LFS and write-through.</summary>
    private async Task<(GitUser Owner, string UpstreamName, GitUser User, string Name)> CreateWriteThroughMirrorAsync(string prefix)
    {
        var owner = await Other.CreateUserAsync(prefix + "-up");
        var upstreamName = await Other.CreateHostedAsync(owner, owner.Name);
        using (var seed = new WorkingCopy())
        {
            seed.Commit();
            Assert.Equal(0, seed.Git("push", "--quiet", Other.Url(owner.Name, upstreamName, owner), "main").ExitCode);
        }

        var user = await fixture.CreateUserAsync(prefix);
        using var api = fixture.BasicClient(user.Name, user.Password);
        var name = HostedPortalFixture.Unique(prefix);
        var created = await api.PostAsJsonAsync("api/v1/repos", new
        {
            mode = "mirror", cloneUrl = Other.Url(owner.Name, upstreamName), owner = user.Name, name, visibility = "private",
            auth = new { username = owner.Name, secret = owner.Token }, lfs = true, writeThrough = true,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
        await TwoWayMirroringTests.WaitForSyncAsync(api, user, name);
        return (owner, upstreamName, user, name);
    }

    /// <summary>Commits <paramref name="content"/> as an LFS-tracked file with the real git-lfs, so a push uploads it.</summary>
    private static string CommitLfsFile(WorkingCopy work, byte[] content)
    {
        TestGit.Run(work.Path, "lfs", "install", "--local");
        TestGit.Run(work.Path, "lfs", "track", "*.bin");
        TestGit.Run(work.Path, "add", ".gitattributes");
        var head = work.Commit("model.bin", content);
        Assert.StartsWith("version https://git-lfs", TestGit.Run(work.Path, "cat-file", "-p", "HEAD:model.bin"));
        return head;
    }

    /// <summary>The object as the other Portal serves it, checked against its SHA-256 id.</summary>
    private static async Task<byte[]> DownloadLfsAsync(HostedPortalFixture portal, GitUser owner, string name, byte[] content)
    {
        var oid = Convert.ToHexStringLower(SHA256.HashData(content));
        using var client = portal.BasicClient(owner.Name, owner.Password);
        var response = await client.GetAsync($"{owner.Name}/{name}.git/info/lfs/objects/{oid}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"the other Portal has no LFS object {oid}: {(int)response.StatusCode}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(oid, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        return bytes;
    }

    private static Dictionary<string, string> RefsOf(string url) =>
        TestGit.Run(null, "ls-remote", url).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t')).Where(p => p[1] != "HEAD").ToDictionary(p => p[1], p => p[0]);
}
