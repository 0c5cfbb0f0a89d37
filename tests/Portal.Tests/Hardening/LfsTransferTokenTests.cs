using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hardening;

/// <summary>
/// LFS batch answers hand out a short-lived token for one repository and one operation, never the caller's own
/// Authorization; the object endpoints take it for exactly that, and check the user's access again when it is used.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class LfsTransferTokenTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("model weights, version 1\n");
    private static readonly string Oid = Convert.ToHexStringLower(SHA256.HashData(Content));

    private sealed record Project(string Owner, string Token, string Repository, HttpClient Git) : IDisposable
    {
        public void Dispose() => Git.Dispose();
    }

    private async Task<Project> ProjectAsync(string visibility = "private", string? owner = null, string? ownerToken = null)
    {
        string user, token;
        if (owner is null)
        {
            var (name, password) = await portal.CreateUserAsync("lfs");
            (user, token) = (name, await portal.CreateTokenAsync(name, password));
        }
        else
        {
            (user, token) = (owner, ownerToken!);
        }

        var repository = PortalFactory.UniqueName("objects");
        using var api = portal.BearerClient(token);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name = repository, visibility })).StatusCode);
        return new Project(user, token, repository, portal.BasicClient(user, token));
    }

    private static async Task<JsonElement> BatchAsync(HttpClient client, string owner, string repository, string operation)
    {
        var response = await client.PostAsync($"/{owner}/{repository}.git/info/lfs/objects/batch", new StringContent(
            JsonSerializer.Serialize(new { operation, objects = new[] { new { oid = Oid, size = Content.Length } } }), Encoding.UTF8, "application/vnd.git-lfs+json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("objects")[0];
    }

    private static string? ActionAuthorization(JsonElement batchObject, string action) =>
        batchObject.GetProperty("actions").GetProperty(action).TryGetProperty("header", out var header) ? header.GetProperty("Authorization").GetString() : null;

    /// <summary>A request to an object endpoint carrying only the given Authorization (as git-lfs sends an action's header).</summary>
    private async Task<HttpResponseMessage> TransferAsync(HttpMethod method, string owner, string repository, string? authorization)
    {
        using var client = portal.CreateClient();
        using var request = new HttpRequestMessage(method, $"/{owner}/{repository}.git/info/lfs/objects/{Oid}");
        if (method == HttpMethod.Put)
        {
            request.Content = new ByteArrayContent(Content);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Batch_HandsOutAScopedToken_NotTheCallersCredentials()
    {
        using var project = await ProjectAsync();

        var upload = ActionAuthorization(await BatchAsync(project.Git, project.Owner, project.Repository, "upload"), "upload")!;

        Assert.StartsWith("RemoteAuth ", upload);
        Assert.DoesNotContain(project.Token, upload);
        Assert.NotEqual(project.Git.DefaultRequestHeaders.Authorization!.ToString(), upload);
        Assert.Equal(HttpStatusCode.OK, (await TransferAsync(HttpMethod.Put, project.Owner, project.Repository, upload)).StatusCode);
        var download = ActionAuthorization(await BatchAsync(project.Git, project.Owner, project.Repository, "download"), "download")!;
        var fetched = await TransferAsync(HttpMethod.Get, project.Owner, project.Repository, download);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(Content, await fetched.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ATransferToken_OpensOnlyItsOwnRepository_ForItsOwnOperation_AndNothingElse()
    {
        using var project = await ProjectAsync();
        using var other = await ProjectAsync(owner: project.Owner, ownerToken: project.Token);
        var upload = ActionAuthorization(await BatchAsync(project.Git, project.Owner, project.Repository, "upload"), "upload")!;
        Assert.Equal(HttpStatusCode.OK, (await TransferAsync(HttpMethod.Put, project.Owner, project.Repository, upload)).StatusCode);
        var download = ActionAuthorization(await BatchAsync(project.Git, project.Owner, project.Repository, "download"), "download")!;

        var uploadTokenDownloads = await TransferAsync(HttpMethod.Get, project.Owner, project.Repository, upload);
        var downloadTokenUploads = await TransferAsync(HttpMethod.Put, project.Owner, project.Repository, download);
        var uploadTokenElsewhere = await TransferAsync(HttpMethod.Put, other.Owner, other.Repository, upload);
        var downloadTokenElsewhere = await TransferAsync(HttpMethod.Get, other.Owner, other.Repository, download);
        var forged = await TransferAsync(HttpMethod.Get, project.Owner, project.Repository, "RemoteAuth " + download[^20..]);
        using var apiWithTransferToken = portal.CreateClient();
        apiWithTransferToken.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", download);
        var api = await apiWithTransferToken.GetAsync("/api/v1/user");

        Assert.Equal(HttpStatusCode.Unauthorized, uploadTokenDownloads.StatusCode);
        Assert.Contains("uploads only", await uploadTokenDownloads.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, downloadTokenUploads.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, uploadTokenElsewhere.StatusCode);
        Assert.Contains("another repository", await uploadTokenElsewhere.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, downloadTokenElsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Git.GetAsync($"/{other.Owner}/{other.Repository}.git/info/lfs/objects/{Oid}")).StatusCode);
    }

    [Fact]
    public async Task ATransferToken_Expires()
    {
        using var project = await ProjectAsync();
        var upload = ActionAuthorization(await BatchAsync(project.Git, project.Owner, project.Repository, "upload"), "upload")!;

        portal.Clock.Advance(TimeSpan.FromMinutes(16));
        var late = await TransferAsync(HttpMethod.Put, project.Owner, project.Repository, upload);

        Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        Assert.Contains("expired", await late.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await project.Git.GetAsync($"/{project.Owner}/{project.Repository}.git/info/lfs/objects/{Oid}")).StatusCode);
    }

    [Fact]
    public async Task ATransferToken_StopsWorking_WhenItsUserLosesAccess()
    {
        var (owner, ownerPassword) = await portal.CreateUserAsync("lfsowner");
        var (developer, developerPassword) = await portal.CreateUserAsync("lfsdev");
        using var ownerApi = portal.BearerClient(await portal.CreateTokenAsync(owner, ownerPassword));
        var org = PortalFactory.UniqueName("lfsorg");
        Assert.Equal(HttpStatusCode.Created, (await ownerApi.PostAsJsonAsync("/api/v1/orgs", new { name = org })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ownerApi.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{developer}", new { role = "developer" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await ownerApi.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = org, name = "shared" })).StatusCode);
        using var developerGit = portal.BasicClient(developer, await portal.CreateTokenAsync(developer, developerPassword));
        var upload = ActionAuthorization(await BatchAsync(developerGit, org, "shared", "upload"), "upload")!;

        Assert.Equal(HttpStatusCode.OK, (await ownerApi.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{developer}", new { role = "reader" })).StatusCode);
        var afterDemotion = await TransferAsync(HttpMethod.Put, org, "shared", upload);

        Assert.Equal(HttpStatusCode.Forbidden, afterDemotion.StatusCode);
    }

    [Fact]
    public async Task AnonymousDownloads_OfPublicRepositories_NeedNoHeader()
    {
        using var project = await ProjectAsync("public");
        var upload = ActionAuthorization(await BatchAsync(project.Git, project.Owner, project.Repository, "upload"), "upload")!;
        Assert.Equal(HttpStatusCode.OK, (await TransferAsync(HttpMethod.Put, project.Owner, project.Repository, upload)).StatusCode);
        using var anonymous = portal.CreateClient();

        var download = await BatchAsync(anonymous, project.Owner, project.Repository, "download");
        var fetched = await TransferAsync(HttpMethod.Get, project.Owner, project.Repository, authorization: null);

        Assert.Null(ActionAuthorization(download, "download"));
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(Content, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await TransferAsync(HttpMethod.Put, project.Owner, project.Repository, authorization: null)).StatusCode);
    }

    [Fact]
    public async Task TheLockList_OfAPrivateRepository_IsNotShownToStrangers()
    {
        using var project = await ProjectAsync();
        using var anonymous = portal.CreateClient();
        var (stranger, password) = await portal.CreateUserAsync("lockpeek");
        using var strangerClient = portal.BasicClient(stranger, password);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/{project.Owner}/{project.Repository}.git/info/lfs/locks")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await strangerClient.GetAsync($"/{project.Owner}/{project.Repository}.git/info/lfs/locks")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await project.Git.GetAsync($"/{project.Owner}/{project.Repository}.git/info/lfs/locks")).StatusCode);
        var verify = await project.Git.PostAsync($"/{project.Owner}/{project.Repository}.git/info/lfs/locks/verify", new StringContent("{}", Encoding.UTF8, "application/vnd.git-lfs+json"));
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/{project.Owner}/{project.Repository}.git/info/lfs/locks/verify", new StringContent("{}"))).StatusCode);
    }
}
