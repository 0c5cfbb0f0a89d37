using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Tests.Mirroring;

namespace Portal.Tests.Hardening;

/// <summary>Portal with a 3-second sync lease, renewed every second while a sync runs.</summary>
public sealed class ShortLeasePortalFactory : MirrorPortalFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Portal:Jobs:Lease"] = "00:00:03",
    };
}

[Trait("Category", "Hardening")]
public sealed class LeaseRenewalTests(ShortLeasePortalFactory portal, GitHttpFixture http) : IClassFixture<ShortLeasePortalFactory>, IClassFixture<GitHttpFixture>
{
    [Fact]
    public async Task ALongSync_KeepsRenewingItsLease()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lease");
        var upstream = http.Server.CreateRepository(name);
        upstream.Commit("main", content: System.Security.Cryptography.RandomNumberGenerator.GetBytes(512 * 1024));
        upstream.Push();
        http.Server.TricklePackDelay = TimeSpan.FromMilliseconds(250);
        try
        {
            var created = await api.CreateRepositoryAsync(name, http.Server.Url(name));
            var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();
            var first = await RunningLeaseAsync(id);

            // The test's clock stands still unless moved: a renewal after the move lands a minute later.
            portal.Clock.Advance(TimeSpan.FromMinutes(1));
            DateTime? renewed = null;
            for (var i = 0; i < 50 && renewed is null; i++)
            {
                await Task.Delay(100);
                renewed = await LeaseAsync(id) is { } lease && lease >= first + TimeSpan.FromMinutes(1) ? lease : null;
            }

            Assert.NotNull(renewed);
        }
        finally
        {
            http.Server.TricklePackDelay = null;
        }

        Assert.Equal("succeeded", MirrorApi.Status(await api.WaitForSyncAsync(name)));
    }

    private async Task<DateTime> RunningLeaseAsync(long id)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await LeaseAsync(id) is { } lease)
            {
                return lease;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The sync never started.");
    }

    private async Task<DateTime?> LeaseAsync(long id)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<JobEngine>().FindAsync(MirrorSyncJob.Kind, id);
        return job?.Status == JobStatus.Running ? job.LeaseExpiresAt : null;
    }
}
