using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Testing;

namespace Portal.Tests.Mirroring;

/// <summary>Failures back off exponentially and hard-fail after 14, driven by the test's clock and scheduler passes.</summary>
public sealed class BackoffTests(MirrorPortalFactory portal) : IClassFixture<MirrorPortalFactory>
{
    [Fact]
    public async Task FailingMirror_BacksOffFromFiveMinutes_ThenHardFailsAfter14_UntilSyncedByHand()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("flaky");
        var closedPort = FreePort.Next();
        var scheduler = portal.Services.GetRequiredService<JobScheduler>();

        var repository = await api.ImportAsync(name, $"git://127.0.0.1:{closedPort}/gone.git");
        var expected = new SyncOptions();
        for (var failures = 1; failures < 14; failures++)
        {
            var sync = repository.GetProperty("sync");
            Assert.Equal("failed", sync.GetProperty("status").GetString());
            Assert.Equal(failures, sync.GetProperty("consecutiveFailures").GetInt32());
            var wait = sync.GetProperty("nextSyncAt").GetDateTime() - sync.GetProperty("lastAttemptAt").GetDateTime();
            Assert.Equal(expected.BackoffAfter(failures, TimeSpan.FromHours(24)), wait);

            // Not due yet: a pass a minute early leaves it alone.
            portal.Clock.Advance(wait - TimeSpan.FromMinutes(1));
            await scheduler.RunPassAsync(CancellationToken.None);
            Assert.Equal("failed", MirrorApi.Status(await api.GetAsync(name)));
            portal.Clock.Advance(TimeSpan.FromMinutes(1));
            await scheduler.RunPassAsync(CancellationToken.None);
            repository = await api.WaitForSyncAsync(name);
            Assert.Equal(failures + 1, repository.GetProperty("sync").GetProperty("consecutiveFailures").GetInt32());
        }

        Assert.Equal("hard_failed", MirrorApi.Status(repository));
        Assert.Equal(14, repository.GetProperty("sync").GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, repository.GetProperty("sync").GetProperty("nextSyncAt").ValueKind);
        portal.Clock.Advance(TimeSpan.FromDays(30));
        await scheduler.RunPassAsync(CancellationToken.None);
        Assert.Equal("hard_failed", MirrorApi.Status(await api.GetAsync(name)));
        Assert.Equal(14, (await api.SyncRunsAsync(name)).Length);

        // A person can still sync it by hand.
        Assert.Equal(HttpStatusCode.Accepted, (await api.SyncAsync(name)).StatusCode);
        Assert.Equal(15, (await api.WaitForSyncAsync(name)).GetProperty("sync").GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal(15, (await api.SyncRunsAsync(name)).Length);
    }

    [Fact]
    public async Task SucceedingMirror_IsScheduledAgainAfterItsInterval()
    {
        using var daemon = new GitDaemonServer();
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("regular");
        var upstream = daemon.CreateRepository(name);
        upstream.Commit();
        upstream.Push();
        var created = await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = daemon.Url(name), mode = "mirror", owner = api.UserName, name, mirror = new { }, intervalHours = 6 });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var repository = await api.WaitForSyncAsync(name);
        var sync = repository.GetProperty("sync");
        Assert.Equal(TimeSpan.FromHours(6), sync.GetProperty("nextSyncAt").GetDateTime() - sync.GetProperty("lastSuccessAt").GetDateTime());

        upstream.Commit();
        upstream.Push();
        var scheduler = portal.Services.GetRequiredService<JobScheduler>();
        portal.Clock.Advance(TimeSpan.FromHours(6));
        await scheduler.RunPassAsync(CancellationToken.None);
        repository = await api.WaitForSyncAsync(name);

        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(repository)));
        Assert.Equal("schedule", (await api.SyncRunsAsync(name))[0].GetProperty("trigger").GetString());
    }
}
