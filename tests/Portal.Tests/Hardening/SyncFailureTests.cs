using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Outbound;
using Portal.Testing;
using Portal.Tests.Mirroring;

namespace Portal.Tests.Hardening;

/// <summary>
/// A mirror Portal with a host resolver that answers the first lookup of <c>poison.test</c> and throws on every later one:
/// an exception no sync code expects, arriving in the middle of a sync. Three failures hard-fail a mirror here.
/// </summary>
public sealed class PoisonPortalFactory : MirrorPortalFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Portal:Sync:MaxConsecutiveFailures"] = "3",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IHostResolver>();
        services.AddSingleton<IHostResolver, PoisonResolver>();
    }

    private sealed class PoisonResolver : IHostResolver
    {
        private readonly HashSet<string> answered = [];

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            lock (answered)
            {
                if (host.StartsWith("poison", StringComparison.Ordinal) && !answered.Add(host))
                {
                    throw new InvalidOperationException("The resolver broke in a way no sync code expects.");
                }
            }

            return Task.FromResult(new[] { IPAddress.Loopback });
        }
    }
}

/// <summary>No sync stays Running forever: unexpected exceptions, hostile upstream answers and dead processes all end the run as failed.</summary>
[Trait("Category", "Hardening")]
public sealed class SyncFailureTests(PoisonPortalFactory portal, GitDaemonServer daemon) : IClassFixture<PoisonPortalFactory>, IClassFixture<GitDaemonServer>
{
    [Fact]
    public async Task UnexpectedException_EndsTheRunAsFailed_CountsTowardHardFail_AndThePoisonMirrorStops()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("poison");
        daemon.CreateRepository(name).Commit();
        var scheduler = portal.Services.GetRequiredService<JobScheduler>();

        var repository = await api.ImportAsync(name, $"git://poison-{name}:{daemon.Port}/{name}.git");
        for (var failures = 1; failures < 3; failures++)
        {
            Assert.Equal("failed", MirrorApi.Status(repository));
            Assert.Equal(failures, repository.GetProperty("sync").GetProperty("consecutiveFailures").GetInt32());
            Assert.Equal(JobWorkerPool.InternalErrorMessage, MirrorApi.LastError(repository));
            portal.Clock.Advance(TimeSpan.FromDays(1));
            await scheduler.RunPassAsync(CancellationToken.None);
            repository = await api.WaitForSyncAsync(name);
        }

        Assert.Equal("hard_failed", MirrorApi.Status(repository));
        Assert.Equal(3, repository.GetProperty("sync").GetProperty("consecutiveFailures").GetInt32());
        portal.Clock.Advance(TimeSpan.FromDays(30));
        await scheduler.RunPassAsync(CancellationToken.None);
        Assert.Equal("hard_failed", MirrorApi.Status(await api.WaitForSyncAsync(name)));
        var runs = await api.SyncRunsAsync(name);
        Assert.Equal(3, runs.Length);
        Assert.All(runs, r => Assert.Equal("failed", r.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task HostileUpstreamHead_NeitherHangsNorBecomesTheDefaultBranch()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("dash-head");
        var upstream = daemon.CreateRepository(name);
        var commit = upstream.Commit();
        upstream.Push();
        TestGit.Run(upstream.BarePath, "update-ref", "refs/heads/-x", commit);
        TestGit.Run(upstream.BarePath, "symbolic-ref", "HEAD", "refs/heads/-x");

        var repository = await api.ImportAsync(name, daemon.Url(name));

        Assert.Equal("succeeded", MirrorApi.Status(repository));
        Assert.Equal("main", repository.GetProperty("defaultBranch").GetString());
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(repository)));
        var page = await portal.CreateClient().GetAsync($"/{api.UserName}/{name}");
        Assert.NotEqual(HttpStatusCode.InternalServerError, page.StatusCode);
    }

    [Fact]
    public async Task ExpiredLease_EndsTheRunAsFailed_AndTheFirstInterruptionIsRetriedAtOnce()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lease-lost");
        var upstream = daemon.CreateRepository(name);
        upstream.Commit();
        upstream.Push();
        var repository = await api.ImportAsync(name, daemon.Url(name));
        var id = repository.GetProperty("id").GetInt64();
        upstream.Commit();
        upstream.Push();

        // A process on another node claimed a sync and died: its run is Running with a lease that has now lapsed.
        await SimulateDeadRunAsync(id, "elsewhere:4242:dead/0", portal.Clock.GetUtcNow().UtcDateTime.AddMinutes(-1), failuresSoFar: 0);
        await portal.Services.GetRequiredService<JobScheduler>().RunPassAsync(CancellationToken.None);
        repository = await api.WaitForSyncAsync(name);

        var runs = await api.SyncRunsAsync(name);
        var interrupted = Assert.Single(runs, r => r.GetProperty("error").GetString() == JobScheduler.LeaseExpiredMessage);
        Assert.Equal("failed", interrupted.GetProperty("outcome").GetString());
        Assert.Equal("succeeded", runs[0].GetProperty("outcome").GetString());
        Assert.Equal("succeeded", MirrorApi.Status(repository));
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(repository)));
    }

    [Fact]
    public async Task RepeatedInterruption_BacksOff_AndCountsTowardHardFail()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("lease-again");
        daemon.CreateRepository(name).Commit();
        var repository = await api.ImportAsync(name, daemon.Url(name));
        var id = repository.GetProperty("id").GetInt64();

        await SimulateDeadRunAsync(id, "elsewhere:4242:dead/0", portal.Clock.GetUtcNow().UtcDateTime.AddMinutes(-1), failuresSoFar: 1);
        await portal.Services.GetRequiredService<JobScheduler>().RecoverExpiredAsync(CancellationToken.None);

        var state = await StateAsync(id);
        Assert.Equal(JobStatus.Failed, state.Status);
        Assert.Equal(2, state.ConsecutiveFailures);
        Assert.Null(state.LeaseOwner);
        Assert.Equal(new SyncOptions().BackoffAfter(2, TimeSpan.FromHours(24)), state.DueAt - portal.Clock.GetUtcNow().UtcDateTime);
    }

    [Fact]
    public async Task Recovery_IsByExpiredLeaseOnly_SoALiveRunOfAnyNodeIsNeverTakenOver()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var expired = PortalFactoryNames.Next("expired");
        var live = PortalFactoryNames.Next("live");
        daemon.CreateRepository(expired).Commit();
        daemon.CreateRepository(live).Commit();
        var expiredId = (await api.ImportAsync(expired, daemon.Url(expired))).GetProperty("id").GetInt64();
        var liveId = (await api.ImportAsync(live, daemon.Url(live))).GetProperty("id").GetInt64();
        var now = portal.Clock.GetUtcNow().UtcDateTime;
        await SimulateDeadRunAsync(expiredId, "this-node:1:previous-process/mirror-sync/0", now.AddSeconds(-1), failuresSoFar: 0);
        // Even a lease held under this very node's name is another process's until it lapses: it may be alive.
        await SimulateDeadRunAsync(liveId, "this-node:2:other-process/mirror-sync/0", now.AddMinutes(5), failuresSoFar: 0);

        Assert.Equal(1, await portal.Services.GetRequiredService<JobScheduler>().RecoverExpiredAsync(CancellationToken.None));

        var recovered = await StateAsync(expiredId);
        Assert.NotEqual(JobStatus.Running, recovered.Status);
        Assert.Equal(JobScheduler.LeaseExpiredMessage, recovered.LastError);
        var untouched = await StateAsync(liveId);
        Assert.Equal(JobStatus.Running, untouched.Status);
        Assert.Equal("this-node:2:other-process/mirror-sync/0", untouched.LeaseOwner);
    }

    private async Task SimulateDeadRunAsync(long repositoryId, string owner, DateTime leaseExpiresAt, int failuresSoFar)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        // Test set-up only: what a process that claimed the job and died leaves in the database.
        await db.Jobs.Where(j => j.Kind == MirrorSyncJob.Kind && j.TargetId == repositoryId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.Status, JobStatus.Running)
            .SetProperty(x => x.LeaseOwner, owner)
            .SetProperty(x => x.LeaseExpiresAt, leaseExpiresAt)
            .SetProperty(x => x.ConsecutiveFailures, failuresSoFar));
        db.RepositoryEvents.Add(new RepositoryEvent { RepositoryId = repositoryId, Kind = RepositoryEventKind.Sync, Trigger = JobTrigger.Schedule, StartedAt = portal.Clock.GetUtcNow().UtcDateTime, Outcome = EventOutcome.Running });
        await db.SaveChangesAsync();
    }

    private async Task<Job> StateAsync(long repositoryId)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<JobEngine>().FindAsync(MirrorSyncJob.Kind, repositoryId))!;
    }
}
