using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

public sealed class ConfiguredAdminFactory : PortalFactory
{
    public const string AdminName = "root-admin";
    public const string AdminPassword = "admin-pass-123";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Portal:Admin:UserName"] = AdminName,
        ["Portal:Admin:Password"] = AdminPassword,
    };
}

public sealed class ConfiguredAdminTests(ConfiguredAdminFactory portal) : IClassFixture<ConfiguredAdminFactory>
{
    [Fact]
    public async Task ConfiguredAdmin_IsCreatedOnStart_AndLaterUsersAreNotAdmins()
    {
        using var admin = portal.BasicClient(ConfiguredAdminFactory.AdminName, ConfiguredAdminFactory.AdminPassword);
        var me = await admin.GetFromJsonAsync<JsonElement>("/api/v1/user");
        Assert.True(me.GetProperty("isAdmin").GetBoolean());

        var (user, password) = await portal.CreateUserAsync();
        using var client = portal.BasicClient(user, password);
        Assert.False((await client.GetFromJsonAsync<JsonElement>("/api/v1/user")).GetProperty("isAdmin").GetBoolean());
    }
}

public sealed class FirstUserAdminTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task WithoutConfiguredAdmin_FirstUserIsAdmin_SecondIsNot()
    {
        var (first, firstPassword) = await portal.CreateUserAsync("first");
        var (second, secondPassword) = await portal.CreateUserAsync("second");

        using var firstClient = portal.BasicClient(first, firstPassword);
        using var secondClient = portal.BasicClient(second, secondPassword);

        Assert.True((await firstClient.GetFromJsonAsync<JsonElement>("/api/v1/user")).GetProperty("isAdmin").GetBoolean());
        Assert.False((await secondClient.GetFromJsonAsync<JsonElement>("/api/v1/user")).GetProperty("isAdmin").GetBoolean());
    }

    [Fact]
    public async Task HealthzNeedsNoAuthentication()
    {
        using var client = portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }
}
