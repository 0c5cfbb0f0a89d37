using System.Net;
using System.Text;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mirroring;

namespace Portal.Tests.Api;

/// <summary>
/// Every API body is read strictly: a field the endpoint does not take is refused with a problem detail and changes
/// nothing, and a mirror's settings are accepted nested under "mirror", as GET shows them and the README sends them.
/// </summary>
public sealed class StrictJsonTests(MirrorPortalFactory portal) : IClassFixture<MirrorPortalFactory>
{
    // Nothing listens on port 9: the import fails, but the settings are stored when the repository is created.
    private const string Upstream = "http://127.0.0.1:9/team/app.git";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task NestedMirrorSettings_AreApplied_OnCreateAndOnEdit()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("nested");

        var created = await api.Client.PostAsync("/api/v1/repos", Json($$$"""{"cloneUrl": "{{{Upstream}}}", "mode": "mirror", "owner": "{{{api.UserName}}}", "name": "{{{name}}}", "mirror": {"intervalHours": 6, "lfs": false}}"""));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var mirror = (await api.GetAsync(name)).GetProperty("mirror");
        Assert.Equal(6, mirror.GetProperty("intervalHours").GetInt32());
        Assert.False(mirror.GetProperty("lfs").GetBoolean());

        var edited = await api.Client.PatchAsync($"/api/v1/repos/{api.UserName}/{name}", Json("""{"mirror": {"intervalHours": 12, "lfs": true}}"""));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        mirror = (await api.GetAsync(name)).GetProperty("mirror");
        Assert.Equal(12, mirror.GetProperty("intervalHours").GetInt32());
        Assert.True(mirror.GetProperty("lfs").GetBoolean());
    }

    [Fact]
    public async Task ASettingSentTwice_TopLevelAndNested_IsRefused_AndChangesNothing()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("twice");

        var refused = await api.Client.PostAsync("/api/v1/repos", Json($$$"""{"cloneUrl": "{{{Upstream}}}", "mode": "mirror", "owner": "{{{api.UserName}}}", "name": "{{{name}}}", "intervalHours": 24, "mirror": {"intervalHours": 6}}"""));

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.BadRequest, "intervalHours sent both at the top level and in \"mirror\"");
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/api/v1/repos/{api.UserName}/{name}")).StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/v1/repos", """{"mode": "hosted", "owner": "{user}", "name": "{name}", "intervalHour": 6}""")]
    [InlineData("POST", "/api/v1/repos", """{"mode": "hosted", "owner": "{user}", "name": "{name}", "mirror": {"interval": 6}}""")]
    [InlineData("POST", "/api/v1/orgs", """{"name": "{name}", "displayName": "Team"}""")]
    [InlineData("POST", "/api/v1/tokens", """{"name": "{name}", "scopes": ["read"], "expires": "never"}""")]
    public async Task UnknownOrMisplacedFields_AreRefusedWithAProblem_AndCreateNothing(string method, string path, string template)
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("strict");
        var body = template.Replace("{user}", api.UserName).Replace("{name}", name);

        var response = await api.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Json(body) });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "unknown fields are refused");
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"/api/v1/repos/{api.UserName}/{name}")).StatusCode);
        Assert.DoesNotContain(name, await api.Client.GetStringAsync("/api/v1/orgs"));
        Assert.DoesNotContain(name, await api.Client.GetStringAsync("/api/v1/tokens"));
    }

    [Fact]
    public async Task AnUnknownFieldInAnEdit_IsRefused_AndTheKnownOnesAreNotApplied()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("edit");
        Assert.Equal(HttpStatusCode.Created, (await api.Client.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = api.UserName, name, description = "before" })).StatusCode);

        var response = await api.Client.PatchAsync($"/api/v1/repos/{api.UserName}/{name}", Json("""{"description": "after", "visibilty": "public"}"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "unknown fields are refused");
        Assert.Equal("before", (await api.GetAsync(name)).GetProperty("description").GetString());
    }
}
