using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Tests.Remotes;

namespace Portal.Tests.Hardening;

/// <summary>
/// Every endpoint that reads a JSON body reads at most what it needs: larger bodies get 413 in the endpoint's own error
/// shape, whether they announce their length (refused unread) or arrive chunked (refused at the limit), and change nothing.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class RequestBodyLimitTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    /// <summary>The same JSON with a Content-Length, and chunked (a stream of unknown length).</summary>
    public static TheoryData<bool> Framings => new() { true, false };

    private static HttpContent Json(object value, bool withLength, string mediaType = "application/json")
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value);
        HttpContent content = withLength ? new ByteArrayContent(bytes) : new StreamContent(new UnseekableStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task ApiJson_OverItsLimit_Is413ProblemDetails_AndChangesNothing(bool withLength)
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var api = portal.BearerClient(token);
        var name = PortalFactory.UniqueName("big");

        var org = await api.PostAsync("/api/v1/orgs", Json(new { name, description = new string('d', 100_000) }, withLength));
        var patch = await api.PatchAsync($"/api/v1/repos/{user}/{repo}", Json(new { description = new string('d', 100_000) }, withLength));

        await ProblemAssert.IsProblemAsync(org, HttpStatusCode.RequestEntityTooLarge, "65,536 bytes");
        await ProblemAssert.IsProblemAsync(patch, HttpStatusCode.RequestEntityTooLarge, "65,536 bytes");
        Assert.DoesNotContain(name, await api.GetStringAsync("/api/v1/orgs"));
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync("/api/v1/orgs", Json(new { name, description = new string('d', 1000) }, withLength))).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task MlflowBodies_OverTheirLimits_Are413InMlflowsShape_AndLogNothing(bool withLength)
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var client = portal.BasicClient(user, token);
        var api = $"/{user}/{repo}.mlflow/api/2.0/mlflow";
        var experiment = await (await client.PostAsync($"{api}/experiments/create", Json(new { name = "e" }, true))).Content.ReadFromJsonAsync<JsonElement>();
        var run = await (await client.PostAsync($"{api}/runs/create", Json(new { experiment_id = experiment.GetProperty("experiment_id").GetString() }, true))).Content.ReadFromJsonAsync<JsonElement>();
        var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        object Batch(int tags) => new
        {
            run_id = runId,
            @params = Enumerable.Range(0, 100).Select(i => new { key = $"p{i}", value = new string('v', 6000) }),
            tags = Enumerable.Range(0, tags).Select(i => new { key = $"t{i}", value = new string('v', 8000) }),
        };

        // Each value within MLflow's limits, the request over MLflow's 1,000,000 bytes for a batch.
        var tooLargeBatch = await client.PostAsync($"{api}/runs/log-batch", Json(Batch(tags: 100), withLength));
        var tooLargeTag = await client.PostAsync($"{api}/runs/set-tag", Json(new { run_id = runId, key = "k", value = new string('v', 300_000) }, withLength));
        var stored = await (await client.GetAsync($"{api}/runs/get?run_id={runId}")).Content.ReadFromJsonAsync<JsonElement>();
        var largeButAllowedBatch = await client.PostAsync($"{api}/runs/log-batch", Json(Batch(tags: 30), withLength));

        foreach (var (response, limit) in new[] { (tooLargeBatch, "1,000,000 bytes"), (tooLargeTag, "262,144 bytes") })
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("INVALID_PARAMETER_VALUE", body.GetProperty("error_code").GetString());
            Assert.Contains(limit, body.GetProperty("message").GetString());
        }

        Assert.False(stored.GetProperty("run").GetProperty("data").TryGetProperty("params", out var none) && none.GetArrayLength() > 0);
        Assert.Equal(HttpStatusCode.OK, largeButAllowedBatch.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task LfsBatch_OverItsLimit_Is413InLfsShape(bool withLength)
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var client = portal.BearerClient(token);
        var objects = Enumerable.Range(0, 15_000).Select(i => new { oid = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))), size = 1 }).ToArray();

        var response = await client.PostAsync($"/{user}/{repo}.git/info/lfs/objects/batch", Json(new { operation = "upload", objects }, withLength, "application/vnd.git-lfs+json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/vnd.git-lfs+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("fewer objects", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
    }
}

/// <summary>Uploads over Portal:Git:MaxRequestBodyBytes (64 KiB here) are refused in their protocol's shape.</summary>
[Trait("Category", "Hardening")]
public sealed class UploadLimitTests(UploadLimitTests.SmallUploadsFactory portal) : IClassFixture<UploadLimitTests.SmallUploadsFactory>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LfsObjectAndDvcFile_OverTheUploadLimit_Are413_AndStoreNothing(bool withLength)
    {
        var (user, password) = await portal.CreateUserAsync("uploader");
        using var client = portal.BearerClient(await portal.CreateTokenAsync(user, password));
        var name = PortalFactory.UniqueName("up");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name })).StatusCode);
        var content = RandomNumberGenerator.GetBytes(100_000);
        var oid = Convert.ToHexStringLower(SHA256.HashData(content));
        var md5 = Convert.ToHexStringLower(MD5.HashData(content));
        HttpContent Body() => withLength ? new ByteArrayContent(content) : new StreamContent(new UnseekableStream(content));

        var lfs = await client.PutAsync($"/{user}/{name}.git/info/lfs/objects/{oid}", Body());
        var dvc = await client.PostAsync($"/{user}/{name}.dvc/files/md5/{md5[..2]}/{md5[2..]}", Body());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, lfs.StatusCode);
        Assert.Equal("application/vnd.git-lfs+json", lfs.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Portal:Git:MaxRequestBodyBytes", (await lfs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, dvc.StatusCode);
        Assert.Contains("65,536 bytes", await dvc.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{user}/{name}.git/info/lfs/objects/{oid}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{user}/{name}.dvc/files/md5/{md5[..2]}/{md5[2..]}")).StatusCode);
    }

    public sealed class SmallUploadsFactory : PortalFactory
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Portal:Git:MaxRequestBodyBytes"] = "65536" };
    }
}
