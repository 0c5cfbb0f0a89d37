using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Testing;

namespace Portal.Tests.GitHttp;

/// <summary>The real git client against a running Portal: clone, fetch, push in both protocol versions, shallow, partial, LFS.</summary>
public sealed class SmartHttpTests(HostedPortalFixture fixture) : IClassFixture<HostedPortalFixture>
{
    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public async Task CloneFetchPushForcePushAndDelete_Work(string protocol)
    {
        var user = await fixture.CreateUserAsync("dev");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        var url = fixture.Url(user.Name, name, user);

        using var first = new WorkingCopy(url, "-c", $"protocol.version={protocol}");
        first.Git("config", "protocol.version", protocol);
        var one = first.Commit();
        TestGit.Run(first.Path, "tag", "-a", "v1", "-m", "one");
        // Over protocol v0 a clone of an empty repository cannot learn the unborn HEAD, so name the branch explicitly.
        var pushed = first.Git("push", "--quiet", "origin", "HEAD:refs/heads/main", "v1");
        Assert.True(pushed.ExitCode == 0, pushed.Output);
        TestGit.Run(first.Path, "checkout", "--quiet", "-b", "feature");
        first.Commit();
        Assert.Equal(0, first.Git("push", "--quiet", "origin", "feature").ExitCode);

        using var second = new WorkingCopy(url, "-c", $"protocol.version={protocol}", "--no-single-branch");
        Assert.Equal(one, TestGit.Run(second.Path, "rev-parse", "origin/main").Trim());
        Assert.Equal("main", TestGit.Run(second.Path, "rev-parse", "--abbrev-ref", "HEAD").Trim());
        Assert.Equal("tag", TestGit.Run(second.Path, "cat-file", "-t", "v1").Trim());

        TestGit.Run(first.Path, "commit", "--quiet", "--amend", "-m", "rewritten");
        Assert.NotEqual(0, first.Git("push", "--quiet", "origin", "feature").ExitCode);
        Assert.Equal(0, first.Git("push", "--quiet", "--force", "origin", "feature").ExitCode);
        Assert.Equal(0, first.Git("push", "--quiet", "origin", "--delete", "v1").ExitCode);
        var ls = TestGit.Run(second.Path, "-c", $"protocol.version={protocol}", "ls-remote", "origin");
        Assert.Contains(first.Head, ls);
        Assert.DoesNotContain("refs/tags/v1", ls);
        TestGit.Run(second.Path, "-c", $"protocol.version={protocol}", "fetch", "--quiet", "--prune", "--prune-tags", "--force", "origin");
        Assert.Equal(first.Head, TestGit.Run(second.Path, "rev-parse", "origin/feature").Trim());

        Assert.Equal(0, first.Git("push", "--quiet", "origin", "--delete", "feature").ExitCode);
        using var api = fixture.BasicClient(user.Name, user.Password);
        var events = await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user.Name}/{name}/events");
        var pushes = events.EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "push").ToList();
        Assert.All(pushes, p => Assert.Equal(user.Name, p.GetProperty("actor").GetString()));
        var kinds = pushes.SelectMany(p => p.GetProperty("refChanges").EnumerateArray())
            .Select(c => $"{c.GetProperty("ref").GetString()} {c.GetProperty("kind").GetString()}").ToList();
        Assert.Contains("refs/heads/main created", kinds);
        Assert.Contains("refs/tags/v1 created", kinds);
        Assert.Contains("refs/heads/feature forced", kinds);
        Assert.Contains("refs/tags/v1 deleted", kinds);
        Assert.Contains("refs/heads/feature deleted", kinds);
    }

    [Fact]
    public async Task ShallowAndPartialClones_Work()
    {
        var user = await fixture.CreateUserAsync("dev");
        var name = await fixture.CreateHostedAsync(user, user.Name, "public");
        using (var work = new WorkingCopy())
        {
            for (var i = 0; i < 5; i++)
            {
                work.Commit();
            }

            TestGit.Run(work.Path, "push", "--quiet", fixture.Url(user.Name, name, user), "main");
        }

        using var shallow = new WorkingCopy(fixture.Url(user.Name, name), "--depth", "1");
        Assert.Equal("1", TestGit.Run(shallow.Path, "rev-list", "--count", "HEAD").Trim());
        Assert.Equal("true", TestGit.Run(shallow.Path, "rev-parse", "--is-shallow-repository").Trim());

        using var partial = new WorkingCopy(fixture.Url(user.Name, name), "--filter=blob:none", "--no-checkout");
        var missing = TestGit.Run(partial.Path, "rev-list", "--objects", "--all", "--missing=print");
        Assert.Contains("?", missing);
        TestGit.Run(partial.Path, "checkout", "--quiet", "main");
        Assert.Equal(5, Directory.EnumerateFiles(partial.Path, "file*.txt").Count());
    }

    [Fact]
    public async Task RepositoryUrl_WorksWithAndWithoutDotGit()
    {
        var user = await fixture.CreateUserAsync("dev");
        var name = await fixture.CreateHostedAsync(user, user.Name, "public");
        using (var work = new WorkingCopy())
        {
            work.Commit();
            TestGit.Run(work.Path, "push", "--quiet", fixture.Url(user.Name, name, user, suffix: ""), "main");
        }

        Assert.Contains("refs/heads/main", TestGit.Run(null, "ls-remote", fixture.Url(user.Name.ToUpperInvariant(), name, suffix: "")));
    }

    [Fact]
    public async Task GzipEncodedRequest_IsAccepted()
    {
        var user = await fixture.CreateUserAsync("dev");
        var name = await fixture.CreateHostedAsync(user, user.Name, "public");
        using (var work = new WorkingCopy())
        {
            work.Commit();
            TestGit.Run(work.Path, "push", "--quiet", fixture.Url(user.Name, name, user), "main");
        }

        // A protocol v2 ls-refs request, gzip-compressed as git sends large requests.
        var pkt = Encoding.ASCII.GetBytes(PktLine("command=ls-refs\n") + "0001" + PktLine("ref-prefix refs/\n") + "0000");
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(pkt);
        }

        using var client = fixture.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{user.Name}/{name}.git/git-upload-pack") { Content = new ByteArrayContent(compressed.ToArray()) };
        request.Content.Headers.ContentType = new("application/x-git-upload-pack-request");
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Add("Git-Protocol", "version=2");
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("refs/heads/main", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GitLfs_PushAndPull_RoundTrip()
    {
        var user = await fixture.CreateUserAsync("dev");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        var url = fixture.Url(user.Name, name, user);
        var content = RandomNumberGenerator.GetBytes(300_000);
        using (var work = new WorkingCopy())
        {
            TestGit.Run(work.Path, "lfs", "install", "--local");
            TestGit.Run(work.Path, "lfs", "track", "*.bin");
            TestGit.Run(work.Path, "add", ".gitattributes");
            work.Commit("model.bin", content);
            Assert.StartsWith("version https://git-lfs", TestGit.Run(work.Path, "cat-file", "-p", "HEAD:model.bin"));
            TestGit.Run(work.Path, "push", "--quiet", url, "main");
        }

        var lfsEnvironment = new Dictionary<string, string>(TestGit.Environment) { ["GIT_LFS_SKIP_SMUDGE"] = "0" };
        var parent = Directory.CreateTempSubdirectory("portal-lfs-").FullName;
        try
        {
            TestProcess.Run("git", parent, ["clone", "--quiet", url, "clone"], lfsEnvironment);
            TestProcess.Run("git", Path.Combine(parent, "clone"), ["lfs", "install", "--local"], lfsEnvironment);
            TestProcess.Run("git", Path.Combine(parent, "clone"), ["lfs", "pull"], lfsEnvironment);
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(parent, "clone", "model.bin")));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task LfsUpload_WithContentNotMatchingItsId_IsRefused_AndNothingStored()
    {
        var user = await fixture.CreateUserAsync("dev");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        var real = RandomNumberGenerator.GetBytes(1000);
        var oid = Convert.ToHexStringLower(SHA256.HashData(real));
        using var client = fixture.BasicClient(user.Name, user.Token);

        var corrupted = await client.PutAsync($"{user.Name}/{name}.git/info/lfs/objects/{oid}", new ByteArrayContent(RandomNumberGenerator.GetBytes(1000)));
        var batch = await client.PostAsync($"{user.Name}/{name}.git/info/lfs/objects/batch", JsonBody(new { operation = "download", objects = new[] { new { oid, size = 1000 } } }));

        Assert.Equal(HttpStatusCode.BadRequest, corrupted.StatusCode);
        Assert.Contains("SHA-256", await corrupted.Content.ReadAsStringAsync());
        var answer = await batch.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, answer.GetProperty("objects")[0].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{user.Name}/{name}.git/info/lfs/objects/{oid}")).StatusCode);

        var good = await client.PutAsync($"{user.Name}/{name}.git/info/lfs/objects/{oid}", new ByteArrayContent(real));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(real, await client.GetByteArrayAsync($"{user.Name}/{name}.git/info/lfs/objects/{oid}"));
    }

    [Fact]
    public async Task LargeRepository_ClonesCompletely_WhileMemoryIsLogged()
    {
        var user = await fixture.CreateUserAsync("dev");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using (var work = new WorkingCopy())
        {
            for (var i = 0; i < 5; i++)
            {
                work.Commit($"blob{i}.bin", RandomNumberGenerator.GetBytes(10 * 1024 * 1024));
            }

            TestGit.Run(work.Path, "push", "--quiet", fixture.Url(user.Name, name, user), "main");
        }

        var before = fixture.Portal.ResidentBytes();
        using var clone = new WorkingCopy(fixture.Url(user.Name, name, user));
        var after = fixture.Portal.ResidentBytes();
        Console.WriteLine($"50 MB clone: Portal RSS {before / 1048576} MiB before, {after / 1048576} MiB after");

        TestGit.Run(clone.Path, "fsck", "--no-progress");
        Assert.Equal(5, Directory.EnumerateFiles(clone.Path, "blob*.bin").Count(f => new FileInfo(f).Length == 10 * 1024 * 1024));
    }

    private static string PktLine(string payload) => $"{payload.Length + 4:x4}{payload}";

    private static StringContent JsonBody(object value) =>
        new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/vnd.git-lfs+json");
}
