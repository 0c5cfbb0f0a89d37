using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Accounts;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Testing;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Mirroring;

/// <summary>Broken mirrors are visible without a webhook: listed for the dashboard and the organization page, their maintainers' first.</summary>
public sealed class BrokenMirrorTests(WebhookPortalFactory portal, GitDaemonServer daemon) : IClassFixture<WebhookPortalFactory>, IClassFixture<GitDaemonServer>
{
    [Fact]
    public async Task BrokenMirrors_AreListed_HardFailedFirst_WithErrorsRedactedForReaders()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var org = PortalFactoryNames.Next("brokenorg");
        Assert.Equal(HttpStatusCode.Created, (await api.Client.PostAsJsonAsync("/api/v1/orgs", new { name = org })).StatusCode);
        var (reader, _) = await portal.CreateUserAsync("orgreader");
        Assert.Equal(HttpStatusCode.OK, (await api.Client.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{reader}", new { role = "reader" })).StatusCode);
        var healthy = PortalFactoryNames.Next("healthy");
        var upstream = daemon.CreateRepository(healthy);
        upstream.Commit("main");
        upstream.Push();
        await MirrorAsync(api, org, healthy, daemon.Url(healthy));
        var failed = await MirrorAsync(api, org, PortalFactoryNames.Next("failed"), Unreachable);
        var hardFailed = await MirrorAsync(api, org, PortalFactoryNames.Next("hardfailed"), Unreachable);
        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(HttpStatusCode.Accepted, (await api.Client.PostAsync($"/api/v1/repos/{org}/{hardFailed}/sync", null)).StatusCode);
        await WaitForSettledAsync(api, org, hardFailed);

        await using var scope = portal.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<BrokenMirrorService>();
        var owners = scope.ServiceProvider.GetRequiredService<OwnerService>();
        var ownerId = (await owners.FindAsync(org))!.Id;
        var readerId = (await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>().FindByNameAsync(reader))!.Id;
        var maintainerId = (await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>().FindByNameAsync(api.UserName))!.Id;

        var (listed, total) = await service.ForOwnerAsync(ownerId, maintainerId);
        Assert.Equal(2, total);
        Assert.Equal([hardFailed, failed], listed.Select(m => m.Repository.Name));
        Assert.True(listed[0].HardFailed);
        Assert.Contains("127.0.0.1", listed[0].Error);

        var (seenByReader, _) = await service.ForDashboardAsync(readerId);
        Assert.Equal([hardFailed, failed], seenByReader.Select(m => m.Repository.Name));
        Assert.All(seenByReader, m => Assert.Equal(RepositoryRole.Read, m.Role));
        Assert.All(seenByReader, m => Assert.DoesNotContain("127.0.0.1", m.Error));
    }

    [Fact]
    public void TheDashboard_ListsBrokenMirrorsFirst_KeepingTheOrderOtherwise()
    {
        static Repository Repo(long id, RepositoryMode mode) => new() { Id = id, Name = $"r{id}", NormalizedName = $"r{id}", Mode = mode };
        static Job Sync(long id, bool fails)
        {
            var job = Job.Create(MirrorSyncJob.Kind, id);
            if (fails)
            {
                job.Fail("unreachable", DateTime.UtcNow, new JobRetryPolicy(3, TimeSpan.FromMinutes(5)), new JobSchedule(null, TimeSpan.FromHours(1)));
            }

            return job;
        }

        var repositories = new[] { Repo(1, RepositoryMode.Mirror), Repo(2, RepositoryMode.Hosted), Repo(3, RepositoryMode.Mirror), Repo(4, RepositoryMode.Mirror) };
        var syncs = new Dictionary<long, Job> { [1] = Sync(1, false), [3] = Sync(3, true), [4] = Sync(4, true) };

        Assert.Equal([3L, 4L, 1L, 2L], BrokenMirrorService.BrokenFirst(repositories, syncs).Select(r => r.Id));
    }

    /// <summary>Nothing listens on port 1: the sync fails naming the address, which readers must not see.</summary>
    private const string Unreachable = "git://127.0.0.1:1/none.git";

    private static async Task<string> MirrorAsync(MirrorApi api, string org, string name, string cloneUrl)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl, mode = "mirror", owner = org, name })).StatusCode);
        await WaitForSettledAsync(api, org, name);
        return name;
    }

    private static async Task WaitForSettledAsync(MirrorApi api, string org, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await api.Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/repos/{org}/{name}")).GetProperty("sync").GetProperty("status").GetString() is "queued" or "running")
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(25);
        }
    }
}
