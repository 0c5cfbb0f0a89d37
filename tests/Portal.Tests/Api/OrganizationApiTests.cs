using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

public sealed class OrganizationApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<HttpClient> ApiClientAsync(string userName, string password) =>
        portal.BearerClient(await portal.CreateTokenAsync(userName, password));

    private async Task<(string Org, HttpClient Owner)> CreateOrganizationAsync()
    {
        var (owner, password) = await portal.CreateUserAsync("owner");
        var client = await ApiClientAsync(owner, password);
        var org = PortalFactory.UniqueName("team");
        var created = await client.PostAsJsonAsync("/api/v1/orgs", new { name = org });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (org, client);
    }

    private static async Task<Dictionary<string, string>> MembersAsync(HttpClient client, string org)
    {
        var members = await client.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{org}/members");
        return members.EnumerateArray().ToDictionary(m => m.GetProperty("userName").GetString()!, m => m.GetProperty("role").GetString()!);
    }

    [Fact]
    public async Task CreateOrganization_MakesCreatorOwner()
    {
        var (org, owner) = await CreateOrganizationAsync();

        var members = await MembersAsync(owner, org);

        Assert.Equal("owner", Assert.Single(members).Value);
    }

    [Fact]
    public async Task OwnerAddsMember_WithRole_AndCanChangeIt()
    {
        var (org, owner) = await CreateOrganizationAsync();
        var (dev, _) = await portal.CreateUserAsync("dev");

        var added = await owner.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{dev}", new { role = "developer" });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal("developer", (await MembersAsync(owner, org))[dev]);

        var changed = await owner.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{dev}", new { role = "maintainer" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("maintainer", (await MembersAsync(owner, org))[dev]);
    }

    [Fact]
    public async Task Reader_CannotAddMembers_Gets403_AndNothingChanges()
    {
        var (org, owner) = await CreateOrganizationAsync();
        var (reader, readerPassword) = await portal.CreateUserAsync("reader");
        var (outsider, _) = await portal.CreateUserAsync("outsider");
        await owner.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{reader}", new { role = "reader" });
        using var readerClient = await ApiClientAsync(reader, readerPassword);

        var response = await readerClient.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{outsider}", new { role = "developer" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "owners and maintainers");
        Assert.DoesNotContain(outsider, (await MembersAsync(owner, org)).Keys);
    }

    [Fact]
    public async Task Maintainer_AddsDevelopers_ButCannotGrantOwner()
    {
        var (org, owner) = await CreateOrganizationAsync();
        var (maintainer, maintainerPassword) = await portal.CreateUserAsync("maint");
        var (other, _) = await portal.CreateUserAsync("other");
        await owner.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{maintainer}", new { role = "maintainer" });
        using var maintainerClient = await ApiClientAsync(maintainer, maintainerPassword);

        var developer = await maintainerClient.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{other}", new { role = "developer" });
        var promote = await maintainerClient.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{other}", new { role = "owner" });

        Assert.Equal(HttpStatusCode.OK, developer.StatusCode);
        await ProblemAssert.IsProblemAsync(promote, HttpStatusCode.Forbidden, "owner");
        Assert.Equal("developer", (await MembersAsync(owner, org))[other]);
    }

    [Fact]
    public async Task LastOwner_CannotBeDemotedOrRemoved()
    {
        var (org, owner) = await CreateOrganizationAsync();
        var ownerName = (await MembersAsync(owner, org)).Single().Key;

        var demote = await owner.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{ownerName}", new { role = "reader" });
        var remove = await owner.DeleteAsync($"/api/v1/orgs/{org}/members/{ownerName}");

        await ProblemAssert.IsProblemAsync(demote, HttpStatusCode.Conflict, "at least one owner");
        await ProblemAssert.IsProblemAsync(remove, HttpStatusCode.Conflict, "at least one owner");
        Assert.Equal("owner", (await MembersAsync(owner, org))[ownerName]);
    }

    [Fact]
    public async Task Owner_RemovesMember()
    {
        var (org, owner) = await CreateOrganizationAsync();
        var (dev, _) = await portal.CreateUserAsync("dev");
        await owner.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{dev}", new { role = "developer" });

        var removed = await owner.DeleteAsync($"/api/v1/orgs/{org}/members/{dev}");

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.DoesNotContain(dev, (await MembersAsync(owner, org)).Keys);
    }

    [Fact]
    public async Task NonMember_SeesOrganizationAsNotFound()
    {
        var (org, _) = await CreateOrganizationAsync();
        var (stranger, password) = await portal.CreateUserAsync("stranger");
        using var client = await ApiClientAsync(stranger, password);

        await ProblemAssert.IsProblemAsync(await client.GetAsync($"/api/v1/orgs/{org}/members"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await client.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{stranger}", new { role = "owner" }), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("superuser")]
    [InlineData("1")]
    [InlineData("")]
    public async Task SetMember_WithUnknownRole_Is400(string role)
    {
        var (org, owner) = await CreateOrganizationAsync();
        var (dev, _) = await portal.CreateUserAsync("dev");

        var response = await owner.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{dev}", new { role });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "maintainer");
    }

    [Fact]
    public async Task SetMember_UnknownUser_Is404()
    {
        var (org, owner) = await CreateOrganizationAsync();

        var response = await owner.PutAsJsonAsync($"/api/v1/orgs/{org}/members/ghost-user-404", new { role = "reader" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "ghost-user-404");
    }
}
