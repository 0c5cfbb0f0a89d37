using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mirroring;

/// <summary>A push mirror target goes through the same address policy as imports: with the defaults, internal addresses are refused.</summary>
public sealed class PushMirrorAddressPolicyTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("http://127.0.0.1:9/target.git")]
    [InlineData("http://169.254.169.254/latest.git")]
    [InlineData("git://10.1.2.3/target.git")]
    public async Task InternalTarget_IsRefusedWithAProblem_AndNothingIsCreated(string url)
    {
        var (user, password) = await portal.CreateUserAsync("policy");
        using var api = portal.BasicClient(user, password);
        var name = PortalFactory.UniqueName("policy");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name })).StatusCode);

        var response = await api.PostAsJsonAsync($"/api/v1/repos/{user}/{name}/push-mirrors", new { url });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("internal", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>($"/api/v1/repos/{user}/{name}/push-mirrors")).EnumerateArray());
    }
}
