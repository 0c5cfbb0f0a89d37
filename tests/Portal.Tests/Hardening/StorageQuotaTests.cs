using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Tests.Remotes;

namespace Portal.Tests.Hardening;

/// <summary>
/// A repository's Git LFS objects and DVC files share one quota (Portal:Storage:QuotaBytesPerRepo, 64 KiB here): an
/// upload that does not fit answers 507 Insufficient Storage and stores nothing, and the LFS batch API hands out no
/// upload action for objects that would not fit.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class StorageQuotaTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    private const string LfsJson = "application/vnd.git-lfs+json";

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private static string Md5Path(byte[] content)
    {
        var md5 = Convert.ToHexStringLower(MD5.HashData(content));
        return $"files/md5/{md5[..2]}/{md5[2..]}";
    }

    private static StringContent Batch(string operation, params byte[][] objects) =>
        new(JsonSerializer.Serialize(new { operation, objects = objects.Select(o => new { oid = Sha256(o), size = o.Length }) }), Encoding.UTF8, LfsJson);

    [Fact]
    public async Task LfsUploadOverTheQuota_Is507_AndTheBatchHandsOutNoUploadAction()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var lfs = portal.BasicClient(user, token);
        var objects = $"/{user}/{repo}.git/info/lfs/objects";
        var fits = RandomNumberGenerator.GetBytes(40_000);
        var tooMuch = RandomNumberGenerator.GetBytes(40_000);
        Assert.Equal(HttpStatusCode.OK, (await lfs.PutAsync($"{objects}/{Sha256(fits)}", new ByteArrayContent(fits))).StatusCode);

        var batch = await (await lfs.PostAsync($"{objects}/batch", Batch("upload", fits, tooMuch))).Content.ReadFromJsonAsync<JsonElement>();
        var upload = await lfs.PutAsync($"{objects}/{Sha256(tooMuch)}", new ByteArrayContent(tooMuch));
        var again = await lfs.PutAsync($"{objects}/{Sha256(fits)}", new ByteArrayContent(fits));

        var answers = batch.GetProperty("objects").EnumerateArray().ToDictionary(o => o.GetProperty("oid").GetString()!);
        Assert.False(answers[Sha256(fits)].TryGetProperty("actions", out _));
        Assert.False(answers[Sha256(fits)].TryGetProperty("error", out _));
        Assert.False(answers[Sha256(tooMuch)].TryGetProperty("actions", out _));
        Assert.Equal(507, answers[Sha256(tooMuch)].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("QuotaBytesPerRepo", answers[Sha256(tooMuch)].GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.InsufficientStorage, upload.StatusCode);
        Assert.Equal(LfsJson, upload.Content.Headers.ContentType?.MediaType);
        Assert.Contains("storage is full", (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await lfs.GetAsync($"{objects}/{Sha256(tooMuch)}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task LfsAndDvc_ShareTheRepositorysQuota()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        var (otherUser, otherToken, _, otherRepo) = await portal.CreateProjectAsync();
        using var client = portal.BasicClient(user, token);
        using var other = portal.BasicClient(otherUser, otherToken);
        var first = RandomNumberGenerator.GetBytes(40_000);
        var second = RandomNumberGenerator.GetBytes(40_000);

        // DVC first, then LFS does not fit; and the other way round in another repository.
        var dvcFits = await client.PostAsync($"/{user}/{repo}.dvc/{Md5Path(first)}", new ByteArrayContent(first));
        var lfsOver = await client.PutAsync($"/{user}/{repo}.git/info/lfs/objects/{Sha256(second)}", new ByteArrayContent(second));
        var lfsFits = await other.PutAsync($"/{otherUser}/{otherRepo}.git/info/lfs/objects/{Sha256(first)}", new ByteArrayContent(first));
        var dvcOver = await other.PostAsync($"/{otherUser}/{otherRepo}.dvc/{Md5Path(second)}", new ByteArrayContent(second));

        Assert.Equal(HttpStatusCode.Created, dvcFits.StatusCode);
        Assert.Equal(HttpStatusCode.InsufficientStorage, lfsOver.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lfsFits.StatusCode);
        Assert.Equal(HttpStatusCode.InsufficientStorage, dvcOver.StatusCode);
        Assert.Contains("DVC and Git LFS together", await dvcOver.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await other.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{otherUser}/{otherRepo}.dvc/{Md5Path(second)}"))).StatusCode);
    }
}
