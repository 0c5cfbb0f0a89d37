using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

public sealed class FoundationApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Healthz_IsOk_WhenDatabaseAndDataFolderWork()
    {
        using var client = portal.CreateClient();

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.True(File.Exists(Path.Combine(portal.DataDir, "portal.db")));
        Assert.True(Directory.Exists(Path.Combine(portal.DataDir, "keys")));
    }

    [Fact]
    public async Task MalformedJson_IsA400Problem()
    {
        var (user, password) = await portal.CreateUserAsync();
        using var client = portal.BearerClient(await portal.CreateTokenAsync(user, password));

        var response = await client.PostAsync("/api/v1/orgs", new StringContent("{\"name\": ", Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnknownApiRoute_IsA404Problem()
    {
        var (user, password) = await portal.CreateUserAsync();
        using var client = portal.BearerClient(await portal.CreateTokenAsync(user, password));

        var response = await client.GetAsync("/api/v1/does-not-exist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ApiIgnoresTheSessionCookie_SoNoCrossSiteRequestCanUseIt()
    {
        // A browser's cookie never authenticates an API call: only the Authorization header does.
        using var client = portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true });
        client.DefaultRequestHeaders.Add("Cookie", ".AspNetCore.Identity.Application=forged");

        var response = await client.PostAsJsonAsync("/api/v1/orgs", new { name = "csrf-org" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }
}
