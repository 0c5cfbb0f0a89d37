using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Organizations;
using Portal.Testing;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mirroring;

/// <summary>
/// An organization's page: its repositories (only the organization's), its members, its broken mirrors (failed or
/// stopped retrying, with the reason as each viewer may see it) and who may import into it; strangers learn nothing.
/// </summary>
public sealed class OrganizationOverviewTests(MirrorPortalFactory portal) : IClassFixture<MirrorPortalFactory>
{
    [Fact]
    public async Task Overview_ListsTheOrganizationsRepositories_Members_AndBrokenMirrors_AsEachViewerMaySeeThem()
    {
        var (owner, ownerPassword) = await portal.CreateUserAsync("orgowner");
        var (developer, _) = await portal.CreateUserAsync("orgdev");
        var (stranger, _) = await portal.CreateUserAsync("orgstranger");
        using var client = portal.BearerClient(await portal.CreateTokenAsync(owner, ownerPassword));
        var org = PortalFactory.UniqueName("team");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/orgs", new { name = org })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{developer}", new { role = "developer" })).StatusCode);
        var closedPort = FreePort.Next();
        await CreateAsync(client, new { mode = "hosted", owner = org, name = "app" });
        await CreateAsync(client, new { mode = "hosted", owner, name = "elsewhere" });
        await CreateAsync(client, new { cloneUrl = $"git://127.0.0.1:{closedPort}/gone.git", mode = "mirror", owner = org, name = "gone" });
        await CreateAsync(client, new { cloneUrl = $"git://127.0.0.1:{closedPort}/given-up.git", mode = "mirror", owner = org, name = "given-up" });
        await WaitForSyncsAsync(client, org, "gone", "given-up");
        await GiveUpAsync(org, "given-up");

        var forOwner = (await OverviewAsync(owner, org)).Value!;
        var forDeveloper = (await OverviewAsync(developer, org)).Value!;
        var forStranger = await OverviewAsync(stranger, org);

        Assert.Equal(["app", "given-up", "gone"], forOwner.Repositories.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { developer, owner }.Order(StringComparer.Ordinal), forOwner.Members.Select(m => m.UserName).Order(StringComparer.Ordinal));
        Assert.Equal([("given-up", true), ("gone", false)], forOwner.BrokenMirrors.Select(b => (b.Repository.Name, b.HardFailed)).OrderBy(b => b.Name, StringComparer.Ordinal));
        Assert.All(forOwner.BrokenMirrors, b => Assert.Contains("unable to connect to 127.0.0.1", b.Error));
        Assert.True(forOwner.CanImport);

        // A developer sees the same repositories and failures, without the upstream's address, and cannot import here.
        Assert.Equal(forOwner.Repositories.Select(r => r.Id).Order(), forDeveloper.Repositories.Select(r => r.Id).Order());
        Assert.Equal(2, forDeveloper.BrokenMirrors.Count);
        Assert.All(forDeveloper.BrokenMirrors, b => Assert.DoesNotContain("127.0.0.1", b.Error));
        Assert.False(forDeveloper.CanImport);

        Assert.False(forStranger.Succeeded);
        Assert.Equal(PortalErrorKind.NotFound, forStranger.Error!.Kind);
    }

    private async Task<Outcome<OrganizationOverview>> OverviewAsync(string userName, string org)
    {
        using var scope = portal.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var userId = await db.Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync();
        return await scope.ServiceProvider.GetRequiredService<OrganizationOverviewService>().GetAsync(userId, org);
    }

    private static async Task CreateAsync(HttpClient client, object body)
    {
        var created = await client.PostAsJsonAsync("/api/v1/repos", body);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    private static async Task WaitForSyncsAsync(HttpClient client, string owner, params string[] names)
    {
        foreach (var name in names)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/repos/{owner}/{name}")).GetProperty("sync").GetProperty("status").GetString() != "failed")
            {
                Assert.True(DateTime.UtcNow < deadline, $"{owner}/{name} did not fail its import.");
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Setup: the mirror as it stands after its 14th failure (BackoffTests proves the engine gets there).</summary>
    private async Task GiveUpAsync(string org, string name)
    {
        using var scope = portal.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var id = await db.Repositories.Where(r => r.Owner!.Slug == org && r.NormalizedName == name).Select(r => r.Id).SingleAsync();
        await db.Jobs.Where(j => j.TargetId == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.HardFailed));
    }
}
