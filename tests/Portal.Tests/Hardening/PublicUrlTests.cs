using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hardening;

/// <summary>Portal configured with the address people reach it at, while it is itself reached as http://localhost.</summary>
public sealed class PublicUrlPortalFactory : PortalFactory
{
    public const string PublicUrl = "https://git.example.com";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Portal:PublicUrl"] = PublicUrl + "/" };
}

[Trait("Category", "Hardening")]
public sealed class PublicUrlTests(PublicUrlPortalFactory portal) : IClassFixture<PublicUrlPortalFactory>
{
    private const string Base = PublicUrlPortalFactory.PublicUrl;

    [Fact]
    public async Task CloneUrls_InTheApi_AndOnTheProjectPage_UseThePublicUrl()
    {
        var (user, password) = await portal.CreateUserAsync("pub");
        using var api = portal.BearerClient(await portal.CreateTokenAsync(user, password));
        var created = await api.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name = "app", visibility = "public" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var repository = await api.GetFromJsonAsync<JsonElement>($"/api/v1/repos/{user}/app");
        var listed = await api.GetFromJsonAsync<JsonElement>("/api/v1/repos");
        // The full Remotes panel (the Clone dropdown shows one remote at a time).
        var page = await portal.CreateClient().GetStringAsync($"/{user}/app?remotes=all");

        Assert.Equal($"{Base}/{user}/app.git", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cloneUrl").GetString());
        Assert.Equal($"{Base}/{user}/app.git", repository.GetProperty("cloneUrl").GetString());
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("cloneUrl").GetString() == $"{Base}/{user}/app.git");
        // The Remotes panel: git, DVC and MLflow, and the empty repository's instructions.
        Assert.Contains($"git clone {Base}/{user}/app.git", page);
        Assert.Contains($"dvc remote add -d origin {Base}/{user}/app.dvc", page);
        Assert.Contains($"MLFLOW_TRACKING_URI={Base}/{user}/app.mlflow", page);
        Assert.DoesNotContain("http://localhost", page);
    }

    [Fact]
    public async Task LfsBatchHrefs_UseThePublicUrl()
    {
        var (user, password) = await portal.CreateUserAsync("publfs");
        var token = await portal.CreateTokenAsync(user, password);
        using var api = portal.BearerClient(token);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name = "data" })).StatusCode);
        var oid = new string('a', 64);

        using var git = portal.BasicClient(user, token);
        var batch = await git.PostAsync($"/{user}/data.git/info/lfs/objects/batch", LfsJson(new { operation = "upload", objects = new[] { new { oid, size = 10 } } }));

        var href = (await batch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("objects")[0].GetProperty("actions").GetProperty("upload").GetProperty("href").GetString();
        Assert.Equal($"{Base}/{user}/data.git/info/lfs/objects/{oid}", href);
    }

    [Theory]
    [InlineData("git.example.com", "not an absolute http:// or https:// URL")]
    [InlineData("ftp://git.example.com", "not an absolute http:// or https:// URL")]
    [InlineData("https://git.example.com/?x=1", "query")]
    [InlineData("https://git.example.com/#top", "fragment")]
    [InlineData("https://bob@git.example.com", "user name")]
    [InlineData("https://git.example.com/portal", "root of its host")]
    public async Task AnUnusablePublicUrl_StopsPortalAtStart_SayingWhy(string value, string reason)
    {
        using var factory = new SettingsFactory(new Dictionary<string, string> { ["Portal:PublicUrl"] = value });

        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => Task.Run(() => factory.CreateClient()));

        Assert.Contains("Portal:PublicUrl", failure.Message);
        Assert.Contains(reason, failure.Message);
    }

    [Theory]
    [InlineData("proxy.internal")]
    [InlineData("10.0.0.5/24")]
    [InlineData("10.0.0.0/33")]
    public async Task AKnownProxyThatIsNotAnAddressOrRange_StopsPortalAtStart(string value)
    {
        using var factory = new SettingsFactory(new Dictionary<string, string> { ["Portal:KnownProxies:0"] = value });

        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => Task.Run(() => factory.CreateClient()));

        Assert.Contains("Portal:KnownProxies", failure.Message);
        Assert.Contains(value, failure.Message);
    }

    private static StringContent LfsJson(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/vnd.git-lfs+json");

    private sealed class SettingsFactory(IReadOnlyDictionary<string, string> settings) : PortalFactory
    {
        protected override IReadOnlyDictionary<string, string> Settings => settings;
    }
}
