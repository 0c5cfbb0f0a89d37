using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Storage;

/// <summary>Portal on 127.0.0.1 with a small storage quota, so the quota test needs only kilobytes.</summary>
public sealed class DvcPortalFixture : HostedPortalFixture
{
    public const long Quota = 256 * 1024;

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Portal:Storage:QuotaBytesPerRepo"] = Quota.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public string RemoteUrl(string owner, string repository) => $"{Portal.BaseAddress}{owner}/{repository}.dvc";
}

/// <summary>
/// The storage remote driven by DVC's own transport: fsspec's HTTPFileSystem configured as iterative/dvc-http does
/// (dvc_fsspec.py), against a real Portal process. `dvc status -c` is fsspec's exists (a GET, present when the status
/// is below 400), `dvc push` its put_file (POST, or PUT with `dvc remote modify origin method PUT`, the body chunked),
/// `dvc pull` its get_file, and sizes come from info (HEAD).
/// </summary>
public sealed class DvcFsspecTests(DvcPortalFixture fixture) : IClassFixture<DvcPortalFixture>
{
    private static string Md5(byte[] content) => Convert.ToHexStringLower(MD5.HashData(content));

    private static string ObjectPath(byte[] content, string suffix = "") => $"files/md5/{Md5(content)[..2]}/{Md5(content)[2..]}{suffix}";

    private async Task<(GitUser User, string Repository, FsspecRemote Dvc)> ProjectAsync(string visibility = "private", string method = "POST")
    {
        var user = await fixture.CreateUserAsync("dvc");
        var repository = await fixture.CreateHostedAsync(user, user.Name, visibility);
        return (user, repository, new FsspecRemote(fixture.RemoteUrl(user.Name, repository), user.Name, user.Token, method));
    }

    [Fact]
    public async Task Exists_MissingThenPushed_AndAMissIsOneEmpty404()
    {
        var (user, repository, dvc) = await ProjectAsync();
        var content = Encoding.UTF8.GetBytes("label,feature\n1,0.5\n");

        var before = await dvc.ExistsAsync(ObjectPath(content));
        var pushed = await dvc.PutBytesAsync(ObjectPath(content), content);
        var after = await dvc.ExistsAsync(ObjectPath(content));

        Assert.False(before["exists"]!.GetValue<bool>());
        Assert.True(FsspecRemote.Ok(pushed), pushed.ToJsonString());
        Assert.True(after["exists"]!.GetValue<bool>());

        // What fsspec's exists costs Portal for a miss: a bare 404, no page rendered for it (GET and HEAD alike).
        using var http = fixture.BasicClient(user.Name, user.Token);
        var missing = $"{user.Name}/{repository}.dvc/{ObjectPath(Encoding.UTF8.GetBytes("never pushed"))}";
        using var get = await http.GetAsync(missing);
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, missing));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Empty(await get.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(0L, head.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    public async Task Push_ChunkedWithEitherMethod_ThenPullAndInfo_GiveTheSameBytes(string method)
    {
        var (_, _, dvc) = await ProjectAsync(method: method);
        var content = RandomNumberGenerator.GetBytes(100_000);

        var pushed = await dvc.PutBytesAsync(ObjectPath(content), content);
        var again = await dvc.PutBytesAsync(ObjectPath(content), content);
        var (pulled, pull) = await dvc.GetBytesAsync(ObjectPath(content));
        var info = await dvc.InfoAsync(ObjectPath(content));

        Assert.True(FsspecRemote.Ok(pushed), pushed.ToJsonString());
        Assert.True(FsspecRemote.Ok(again), again.ToJsonString());
        Assert.True(FsspecRemote.Ok(pull), pull.ToJsonString());
        Assert.Equal(content, pulled);
        Assert.True(FsspecRemote.Ok(info), info.ToJsonString());
        Assert.Equal(content.Length, info["size"]!.GetValue<long>());
    }

    [Fact]
    public async Task CutUpload_NeverCountsAsPresent_AndLeavesNothingBehind()
    {
        var (_, _, dvc) = await ProjectAsync();
        var path = ObjectPath(Encoding.UTF8.GetBytes("the object that never arrives whole"));

        var cut = await dvc.PutCutAsync(path, size: 200_000, cutAfter: 64 * 1024);
        var exists = await dvc.ExistsAsync(path);

        Assert.False(FsspecRemote.Ok(cut), cut.ToJsonString());
        Assert.False(exists["exists"]!.GetValue<bool>());
        // Portal notices the dropped connection on its own time: wait (bounded) for the temporary file to go, then look.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Leftovers(path).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Empty(Leftovers(path));
    }

    /// <summary>Temporary uploads (tests in a class run one at a time) and anything stored under the object's name.</summary>
    private List<string> Leftovers(string objectPath)
    {
        var storage = Path.Combine(fixture.Portal.DataDir, "dvc");
        var name = objectPath[(objectPath.LastIndexOf('/') + 1)..];
        return Directory.Exists(storage)
            ? [.. Directory.EnumerateFiles(storage, "*", SearchOption.AllDirectories).Where(f => f.Contains("/incoming/", StringComparison.Ordinal) || f.EndsWith(name, StringComparison.Ordinal))]
            : [];
    }

    [Fact]
    public async Task Push_WhoseMd5DoesNotMatchItsName_IsRefused_AndNothingIsStored()
    {
        var (_, _, dvc) = await ProjectAsync();
        var claimed = ObjectPath(Encoding.UTF8.GetBytes("what the name promises"));

        var pushed = await dvc.PutBytesAsync(claimed, Encoding.UTF8.GetBytes("something else"));
        var exists = await dvc.ExistsAsync(claimed);

        Assert.False(FsspecRemote.Ok(pushed));
        Assert.Equal(400, FsspecRemote.Status(pushed));
        Assert.False(exists["exists"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Push_OverTheQuota_Is507_AndTheObjectIsNotPresent()
    {
        var (_, _, dvc) = await ProjectAsync();
        var fits = RandomNumberGenerator.GetBytes((int)(DvcPortalFixture.Quota * 3 / 4));
        var tooMuch = RandomNumberGenerator.GetBytes((int)(DvcPortalFixture.Quota / 2));

        var first = await dvc.PutBytesAsync(ObjectPath(fits), fits);
        var second = await dvc.PutBytesAsync(ObjectPath(tooMuch), tooMuch);
        var exists = await dvc.ExistsAsync(ObjectPath(tooMuch));

        Assert.True(FsspecRemote.Ok(first), first.ToJsonString());
        Assert.False(FsspecRemote.Ok(second));
        Assert.Equal(507, FsspecRemote.Status(second));
        Assert.False(exists["exists"]!.GetValue<bool>());
    }

    [Fact]
    public async Task PublicRepository_AnonymousPulls_ButPushingNeedsATokenThatMayWrite()
    {
        var (user, repository, owner) = await ProjectAsync(visibility: "public");
        var stored = Encoding.UTF8.GetBytes("public data\n");
        var refused = Encoding.UTF8.GetBytes("anonymous data\n");
        Assert.True(FsspecRemote.Ok(await owner.PutBytesAsync(ObjectPath(stored), stored)));
        var anonymous = new FsspecRemote(fixture.RemoteUrl(user.Name, repository));
        var reader = await fixture.CreateUserAsync("reader", "read");
        var readOnly = new FsspecRemote(fixture.RemoteUrl(user.Name, repository), reader.Name, reader.Token);

        var exists = await anonymous.ExistsAsync(ObjectPath(stored));
        var (pulled, _) = await anonymous.GetBytesAsync(ObjectPath(stored));
        var anonymousPush = await anonymous.PutBytesAsync(ObjectPath(refused), refused);
        var readerPush = await readOnly.PutBytesAsync(ObjectPath(refused), refused);

        Assert.True(exists["exists"]!.GetValue<bool>());
        Assert.Equal(stored, pulled);
        Assert.Equal(401, FsspecRemote.Status(anonymousPush));
        Assert.Equal(403, FsspecRemote.Status(readerPush));
        Assert.False((await owner.ExistsAsync(ObjectPath(refused)))["exists"]!.GetValue<bool>());
    }

    [Fact]
    public async Task PrivateRepository_IsNotThere_ForAnonymousClients()
    {
        var (user, repository, owner) = await ProjectAsync();
        var stored = Encoding.UTF8.GetBytes("private data\n");
        Assert.True(FsspecRemote.Ok(await owner.PutBytesAsync(ObjectPath(stored), stored)));
        var anonymous = new FsspecRemote(fixture.RemoteUrl(user.Name, repository));

        var exists = await anonymous.ExistsAsync(ObjectPath(stored));
        var (pulled, pull) = await anonymous.GetBytesAsync(ObjectPath(stored));

        Assert.False(exists["exists"]!.GetValue<bool>());
        Assert.Null(pulled);
        Assert.Equal(401, FsspecRemote.Status(pull));
    }

    [Fact]
    public async Task RevokedToken_StopsReading_OnceTheShortReadCacheLapses()
    {
        var (user, repository, dvc) = await ProjectAsync();
        var stored = Encoding.UTF8.GetBytes("read, then revoked\n");
        Assert.True(FsspecRemote.Ok(await dvc.PutBytesAsync(ObjectPath(stored), stored)));
        Assert.True((await dvc.ExistsAsync(ObjectPath(stored)))["exists"]!.GetValue<bool>());
        using var api = fixture.BasicClient(user.Name, user.Password);
        var tokens = await api.GetFromJsonAsync<JsonElement>("api/v1/tokens");
        var id = tokens.EnumerateArray().Single().GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"api/v1/tokens/{id}")).StatusCode);

        // Granted reads are remembered for DvcReadAccessCache.Lifetime (2 s) at most: look until refused, bounded.
        using var revoked = fixture.BasicClient(user.Name, user.Token);
        var status = HttpStatusCode.OK;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            using var response = await revoked.GetAsync($"{user.Name}/{repository}.dvc/{ObjectPath(stored)}");
            status = response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.False((await dvc.ExistsAsync(ObjectPath(stored)))["exists"]!.GetValue<bool>());
    }

    [Fact]
    public async Task DirectoryManifest_IsStoredAndServedLikeAnObject()
    {
        var (_, _, dvc) = await ProjectAsync();
        var file = Encoding.UTF8.GetBytes("a,b\n");
        var manifest = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[] { new { md5 = Md5(file), relpath = "part/one.csv" } }));

        var pushed = await dvc.PutBytesAsync(ObjectPath(manifest, ".dir"), manifest);
        var exists = await dvc.ExistsAsync(ObjectPath(manifest, ".dir"));
        var plain = await dvc.ExistsAsync(ObjectPath(manifest));
        var (pulled, _) = await dvc.GetBytesAsync(ObjectPath(manifest, ".dir"));

        Assert.True(FsspecRemote.Ok(pushed), pushed.ToJsonString());
        Assert.True(exists["exists"]!.GetValue<bool>());
        Assert.False(plain["exists"]!.GetValue<bool>());
        Assert.Equal(manifest, pulled);
    }

    [Theory]
    [InlineData("{\"md5\": \"0123456789abcdef0123456789abcdef\", \"relpath\": \"a.csv\"}")]
    [InlineData("[{\"md5\": \"0123456789abcdef0123456789abcdef\"}]")]
    [InlineData("[{\"md5\": \"not-an-md5\", \"relpath\": \"a.csv\"}]")]
    [InlineData("[{\"md5\": \"0123456789abcdef0123456789abcdef\", \"relpath\": \"../outside.csv\"}]")]
    [InlineData("[{\"md5\": \"0123456789abcdef0123456789abcdef\", \"relpath\": \"/etc/passwd\"}]")]
    [InlineData("[{\"md5\": \"0123456789abcdef0123456789abcdef\", \"relpath\": \"a.csv\", \"command\": \"rm -rf\"}]")]
    [InlineData("[{\"md5\": \"0123456789abcdef0123456789abcdef\", \"relpath\": \"a.csv\"}")]
    [InlineData("not json at all")]
    public async Task DirectoryManifest_ThatIsNotAListOfMd5AndRelpath_IsRefused(string json)
    {
        var (_, _, dvc) = await ProjectAsync();
        var manifest = Encoding.UTF8.GetBytes(json);

        var pushed = await dvc.PutBytesAsync(ObjectPath(manifest, ".dir"), manifest);
        var exists = await dvc.ExistsAsync(ObjectPath(manifest, ".dir"));

        Assert.Equal(400, FsspecRemote.Status(pushed));
        Assert.False(exists["exists"]!.GetValue<bool>());
    }
}
