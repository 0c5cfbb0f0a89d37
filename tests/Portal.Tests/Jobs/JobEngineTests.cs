using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Jobs;

/// <summary>What the test job kind does for each target: the test writes the script, the handler follows it.</summary>
public sealed class TestJobScript
{
    public ConcurrentDictionary<long, Func<JobRun, CancellationToken, Task<JobResult>>> Behaviour { get; } = new();

    public ConcurrentQueue<(long TargetId, JobTrigger Trigger)> Runs { get; } = new();

    public ConcurrentQueue<(long TargetId, string Reason)> Abandoned { get; } = new();

    /// <summary>What the handler writes itself while its run's end is recorded (<see cref="IJobHandler.RecordAsync"/>).</summary>
    public ConcurrentDictionary<long, Func<JobRun, PortalDbContext, Task>> Record { get; } = new();
}

public sealed class TestJobHandler(TestJobScript script, PortalDbContext db) : IJobHandler
{
    public const string Kind = "test-job";

    public Task<JobResult> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        script.Runs.Enqueue((run.TargetId, run.Trigger));
        return script.Behaviour.TryGetValue(run.TargetId, out var behaviour) ? behaviour(run, cancellationToken) : Task.FromResult(JobResult.Success);
    }

    public Task<JobSchedule> ScheduleAsync(long targetId, CancellationToken cancellationToken) =>
        Task.FromResult(new JobSchedule(TimeSpan.FromHours(1), TimeSpan.FromHours(1)));

    public Task RecordAsync(JobRun run, CancellationToken cancellationToken) =>
        script.Record.TryGetValue(run.TargetId, out var record) ? record(run, db) : Task.CompletedTask;

    public Task AbandonedAsync(long targetId, string reason, CancellationToken cancellationToken)
    {
        script.Abandoned.Enqueue((targetId, reason));
        return Task.CompletedTask;
    }
}

/// <summary>Portal with one more kind of job, driven by the test: the engine itself, on a real SQLite file.</summary>
public sealed class JobEnginePortalFactory : PortalFactory
{
    // Work is found only when the engine wakes a worker (this is one node): a poll between two steps of a test would claim
    // work the test has not finished queueing.
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Portal:Jobs:SchedulerPeriod"] = "01:00:00", ["Portal:Jobs:PollInterval"] = "01:00:00" };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TestJobScript>();
        services.AddJobKind<TestJobHandler>(TestJobHandler.Kind, _ => new JobKind(TestJobHandler.Kind, 2, new JobRetryPolicy(3, TimeSpan.FromMinutes(1))));
    }
}

public sealed class JobEngineTests(JobEnginePortalFactory portal) : IClassFixture<JobEnginePortalFactory>
{
    private static long nextTarget = 1000;

    private TestJobScript Script => portal.Services.GetRequiredService<TestJobScript>();

    [Fact]
    public async Task AHandlerThatThrows_EndsItsRunAsFailed_CountsTowardHardFail_AndThenStops()
    {
        var target = Interlocked.Increment(ref nextTarget);
        Script.Behaviour[target] = (_, _) => throw new InvalidOperationException("a bug in a handler");
        await CreateAsync(target, JobTrigger.Import);

        for (var failures = 1; failures <= 3; failures++)
        {
            var job = await WaitUntilAsync(target, j => j.Status is JobStatus.Failed or JobStatus.HardFailed && j.ConsecutiveFailures == failures);
            Assert.Equal(JobWorkerPool.InternalErrorMessage, job.LastError);
            Assert.Null(job.LeaseOwner);
            if (failures < 3)
            {
                Assert.Equal(JobStatus.Failed, job.Status);
                portal.Clock.Advance(TimeSpan.FromHours(2));
                await portal.Services.GetRequiredService<JobScheduler>().RunPassAsync(CancellationToken.None);
            }
        }

        var stopped = await FindAsync(target);
        Assert.Equal(JobStatus.HardFailed, stopped.Status);
        Assert.Null(stopped.DueAt);
        Assert.Equal(3, Script.Abandoned.Count(a => a.TargetId == target));
        portal.Clock.Advance(TimeSpan.FromDays(30));
        await portal.Services.GetRequiredService<JobScheduler>().RunPassAsync(CancellationToken.None);
        Assert.Equal(3, Script.Runs.Count(r => r.TargetId == target));
    }

    [Fact]
    public async Task RowsAHandlerWritesItself_GoInTheTransactionThatRecordsItsRun_BeforeTheJobsNewState()
    {
        var target = Interlocked.Increment(ref nextTarget);
        var seen = new TaskCompletionSource<(bool InTransaction, JobStatus Status)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Script.Record[target] = async (run, db) =>
        {
            var status = await db.Jobs.AsNoTracking().Where(j => j.Id == run.JobId).Select(j => j.Status).SingleAsync();
            seen.TrySetResult((db.Database.CurrentTransaction is not null, status));
        };
        await CreateAsync(target, JobTrigger.Import);

        var (inTransaction, status) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Inside the transaction, before the engine marks the job ended: a page never sees the run ended without them.
        Assert.True(inTransaction);
        Assert.Equal(JobStatus.Running, status);
        await WaitUntilAsync(target, j => j.Status == JobStatus.Succeeded);
    }

    [Fact]
    public async Task SimultaneousRequests_QueueExactlyOneRun()
    {
        var target = Interlocked.Increment(ref nextTarget);
        var gate = new TaskCompletionSource();
        Script.Behaviour[target] = async (_, _) =>
        {
            await gate.Task;
            return JobResult.Success;
        };
        await CreateAsync(target, queueWith: null);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RequestAsync(target, new JobRequestRules())));
        gate.SetResult();

        Assert.Single(results, r => r.Outcome == JobRequestOutcome.Queued);
        Assert.All(results.Where(r => r.Outcome != JobRequestOutcome.Queued), r => Assert.Equal(JobRequestOutcome.AlreadyQueued, r.Outcome));
        await WaitUntilAsync(target, j => j.Status == JobStatus.Succeeded);
        Assert.Single(Script.Runs, r => r.TargetId == target);
    }

    [Fact]
    public async Task ABurstOfCoalescingRequests_WhileRunning_IsOneMoreRun()
    {
        var target = Interlocked.Increment(ref nextTarget);
        var (firstRunStarted, release) = HoldRun(target);
        await CreateAsync(target, JobTrigger.Webhook);
        await firstRunStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var burst = new List<JobRequestResult>();
        for (var i = 0; i < 20; i++)
        {
            burst.Add(await RequestAsync(target, new JobRequestRules(Coalesce: true), JobTrigger.Webhook));
        }

        release.SetResult();
        await WaitUntilAsync(target, j => j.Status == JobStatus.Succeeded && !j.RerunRequested && Script.Runs.Count(r => r.TargetId == target) == 2);
        await Task.Delay(200);

        Assert.All(burst, r => Assert.Equal(JobRequestOutcome.Coalesced, r.Outcome));
        Assert.Equal(2, Script.Runs.Count(r => r.TargetId == target));
    }

    [Fact]
    public async Task RequestsByPeople_AreClaimedBeforeScheduledWork()
    {
        var scheduled = Enumerable.Range(0, 3).Select(_ => Interlocked.Increment(ref nextTarget)).ToList();
        var manual = Interlocked.Increment(ref nextTarget);
        // Scheduled runs hold their worker until the request is queued: the two workers can take at most two of them
        // first, however fast they claim (a worker records a run's end and claims its next in one write).
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var target in scheduled)
        {
            Script.Behaviour[target] = async (_, _) =>
            {
                await release.Task;
                return JobResult.Success;
            };
            await CreateAsync(target, queueWith: null);
        }

        await CreateAsync(manual, queueWith: null);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            // All queued in one go, the scheduled ones first.
            var engine = scope.ServiceProvider.GetRequiredService<JobEngine>();
            foreach (var target in scheduled)
            {
                await engine.RescheduleAsync(TestJobHandler.Kind, target, portal.Clock.GetUtcNow().UtcDateTime.AddSeconds(-1));
            }
        }

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var engine = scope.ServiceProvider.GetRequiredService<JobEngine>();
            Assert.True(await engine.QueueDueAsync(CancellationToken.None) >= 3);
            Assert.Equal(JobRequestOutcome.Queued, (await engine.RequestAsync(TestJobHandler.Kind, manual, JobTrigger.Manual, null, new JobRequestRules())).Outcome);
        }

        release.SetResult();
        await WaitUntilAsync(manual, j => j.Status == JobStatus.Succeeded);
        await Task.WhenAll(scheduled.Select(t => WaitUntilAsync(t, j => j.Status == JobStatus.Succeeded)));
        var order = Script.Runs.Select(r => r.TargetId).Where(t => t == manual || scheduled.Contains(t)).ToList();
        // At most the two scheduled runs the workers hold go first. Claimed oldest-first instead of most-urgent-first,
        // the request would run last, after all three.
        Assert.True(order.IndexOf(manual) <= 2, $"the manual request ran at position {order.IndexOf(manual)} of {string.Join(",", order)}");
        Assert.Equal(JobTrigger.Schedule, Script.Runs.First(r => r.TargetId == scheduled[0]).Trigger);
    }

    [Theory]
    [InlineData(JobTrigger.Manual)]
    [InlineData(JobTrigger.Api)]
    public async Task AFailedManualRun_DoesNotHoldBackTheNextRequest_ASucceededOneDoes(JobTrigger trigger)
    {
        var target = Interlocked.Increment(ref nextTarget);
        var limited = new JobRequestRules(MinManualInterval: TimeSpan.FromMinutes(5));
        Script.Behaviour[target] = (_, _) => Task.FromResult(JobResult.Failure("the upstream answered 500"));
        await CreateAsync(target, queueWith: null);

        Assert.Equal(JobRequestOutcome.Queued, (await RequestAsync(target, limited, trigger)).Outcome);
        var failed = await WaitUntilAsync(target, j => j.Status == JobStatus.Failed);
        Assert.Null(failed.LastManualRequestAt);

        // Fixed upstream: asked again at once, and accepted.
        Script.Behaviour[target] = (_, _) => Task.FromResult(JobResult.Success);
        Assert.Equal(JobRequestOutcome.Queued, (await RequestAsync(target, limited, trigger)).Outcome);
        var succeeded = await WaitUntilAsync(target, j => j.Status == JobStatus.Succeeded);
        Assert.NotNull(succeeded.LastManualRequestAt);

        var tooSoon = await RequestAsync(target, limited, trigger);
        Assert.Equal(JobRequestOutcome.TooSoon, tooSoon.Outcome);
        Assert.True(tooSoon.RetryAfter > TimeSpan.FromMinutes(4));
    }

    [Fact]
    public async Task AScheduledFailure_KeepsTheLastManualSyncsWait()
    {
        var target = Interlocked.Increment(ref nextTarget);
        var limited = new JobRequestRules(MinManualInterval: TimeSpan.FromMinutes(5));
        await CreateAsync(target, queueWith: null);
        Assert.Equal(JobRequestOutcome.Queued, (await RequestAsync(target, limited)).Outcome);
        var manual = await WaitUntilAsync(target, j => j.Status == JobStatus.Succeeded);

        Script.Behaviour[target] = (_, _) => Task.FromResult(JobResult.Failure("the upstream answered 500"));
        Assert.Equal(JobRequestOutcome.Queued, (await RequestAsync(target, new JobRequestRules(), JobTrigger.Schedule)).Outcome);
        var failed = await WaitUntilAsync(target, j => j.Status == JobStatus.Failed);

        Assert.Equal(manual.LastManualRequestAt, failed.LastManualRequestAt);
        Assert.Equal(JobRequestOutcome.TooSoon, (await RequestAsync(target, limited)).Outcome);
    }

    [Fact]
    public async Task AManualRunCutOffByALapsedLease_DoesNotHoldBackTheNextRequest()
    {
        var target = Interlocked.Increment(ref nextTarget);
        var (started, release) = HoldRun(target);
        await CreateAsync(target, queueWith: null);
        var limited = new JobRequestRules(MinManualInterval: TimeSpan.FromDays(1));
        Assert.Equal(JobRequestOutcome.Queued, (await RequestAsync(target, limited)).Outcome);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        portal.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await portal.Services.GetRequiredService<JobScheduler>().RecoverExpiredAsync(CancellationToken.None));
        release.SetResult();

        Assert.Null((await FindAsync(target)).LastManualRequestAt);
    }

    [Fact]
    public async Task AWorkerThatLostItsLease_CannotOverwriteWhatRecoveryDecided()
    {
        var target = Interlocked.Increment(ref nextTarget);
        var (started, release) = HoldRun(target);
        await CreateAsync(target, JobTrigger.Manual);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The worker stalls past its lease (the clock jumps); another pass ends its run as a failure.
        portal.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await portal.Services.GetRequiredService<JobScheduler>().RecoverExpiredAsync(CancellationToken.None));
        var recovered = await FindAsync(target);
        release.SetResult();
        await Task.Delay(500);

        var after = await FindAsync(target);
        Assert.Equal(JobScheduler.LeaseExpiredMessage, after.LastError);
        Assert.Equal(recovered.ConsecutiveFailures, after.ConsecutiveFailures);
        Assert.Null(after.LastSuccessAt);
    }

    /// <summary>
    /// The workers' claims and the recording of a run's end wait for the process's job write gate instead of colliding
    /// in SQLite (where a refused writer sleeps 150 ms before it retries): while it is held nothing is claimed or recorded.
    /// </summary>
    [Fact]
    public async Task ClaimsAndRecordedEnds_WaitForTheJobWriteGate()
    {
        var gate = portal.Services.GetRequiredService<JobWriteGate>();
        var target = Interlocked.Increment(ref nextTarget);
        var (started, release) = HoldRun(target);
        using (await gate.EnterAsync(CancellationToken.None))
        {
            await CreateAsync(target, JobTrigger.Manual);
            await Task.Delay(500);
            Assert.False(started.Task.IsCompleted, "A run was claimed while the write gate was held.");
            Assert.Equal(JobStatus.Queued, (await FindAsync(target)).Status);
        }

        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using (await gate.EnterAsync(CancellationToken.None))
        {
            release.SetResult();
            await Task.Delay(500);
            Assert.Equal(JobStatus.Running, (await FindAsync(target)).Status);
        }

        await WaitUntilAsync(target, j => j.Status == JobStatus.Succeeded);
    }

    /// <summary>
    /// A worker that records a run's end takes its next queued run in the same write: no moment in which the finished
    /// run is recorded and the waiting one is still unclaimed. The test reads under the write gate, queued ahead of the
    /// worker's next write, so a claim made in a write of its own would be seen missing.
    /// </summary>
    [Fact]
    public async Task RecordingARunsEnd_ClaimsTheWorkersNextRunInTheSameWrite()
    {
        var gate = portal.Services.GetRequiredService<JobWriteGate>();
        var (first, second, waiting) = (Interlocked.Increment(ref nextTarget), Interlocked.Increment(ref nextTarget), Interlocked.Increment(ref nextTarget));
        var (firstStarted, releaseFirst) = HoldRun(first);
        var (secondStarted, releaseSecond) = HoldRun(second);
        var (_, releaseWaiting) = HoldRun(waiting);
        await CreateAsync(first, JobTrigger.Manual);
        await CreateAsync(second, JobTrigger.Manual);
        await Task.WhenAll(firstStarted.Task, secondStarted.Task).WaitAsync(TimeSpan.FromSeconds(30));
        // Both workers of the kind are busy: this one waits in the queue.
        await CreateAsync(waiting, JobTrigger.Manual);

        try
        {
            // Released under the gate: the worker continues inline on this thread, so without it the test would only
            // look once the worker had recorded the run and claimed the next one, however it did that.
            using (await gate.EnterAsync(CancellationToken.None))
            {
                releaseFirst.SetResult();
            }

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                Assert.True(DateTime.UtcNow < deadline, "The first run was not recorded.");
                using (await gate.EnterAsync(CancellationToken.None))
                {
                    if ((await FindAsync(first)).Status == JobStatus.Succeeded)
                    {
                        Assert.Equal(JobStatus.Running, (await FindAsync(waiting)).Status);
                        break;
                    }
                }
            }
        }
        finally
        {
            // Whatever the outcome, no run is left holding a worker for the tests after this one.
            releaseSecond.TrySetResult();
            releaseWaiting.TrySetResult();
        }

        await WaitUntilAsync(waiting, j => j.Status == JobStatus.Succeeded);
    }

    /// <summary>
    /// A claim on its own commits without waiting for the disk; the connection must not keep that setting, or every
    /// later write on it (a recorded run, a user's change) would lose its durability too.
    /// </summary>
    [Fact]
    public async Task AClaimOnItsOwn_HandsItsConnectionBackFullySynchronous()
    {
        const string kind = "unworked-kind";
        var target = Interlocked.Increment(ref nextTarget);
        await using var scope = portal.Services.CreateAsyncScope();
        var engine = scope.ServiceProvider.GetRequiredService<JobEngine>();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await engine.CreateAsync(kind, target, JobTrigger.Manual, null);
        // Held open by the test, so the claim's statements run on this very connection.
        await db.Database.OpenConnectionAsync();
        await using var pragma = db.Database.GetDbConnection().CreateCommand();
        pragma.CommandText = "PRAGMA synchronous";

        Assert.Equal(2L, await pragma.ExecuteScalarAsync());
        var claim = await engine.ClaimAsync(kind, "test-owner", CancellationToken.None);

        Assert.Equal(target, claim?.Run.TargetId);
        Assert.Equal(2L, await pragma.ExecuteScalarAsync());
        await engine.RemoveAsync(kind, target);
    }

    private async Task CreateAsync(long target, JobTrigger? queueWith)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var engine = scope.ServiceProvider.GetRequiredService<JobEngine>();
        await engine.CreateAsync(TestJobHandler.Kind, target, queueWith, null);
        engine.Announce(TestJobHandler.Kind, target);
    }

    private async Task<JobRequestResult> RequestAsync(long target, JobRequestRules rules, JobTrigger trigger = JobTrigger.Manual)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JobEngine>().RequestAsync(TestJobHandler.Kind, target, trigger, null, rules);
    }

    /// <summary>The target's run starts, says so, and succeeds only once released: a run caught in the middle.</summary>
    private (TaskCompletionSource Started, TaskCompletionSource Release) HoldRun(long target)
    {
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        Script.Behaviour[target] = async (_, _) =>
        {
            started.TrySetResult();
            await release.Task;
            return JobResult.Success;
        };
        return (started, release);
    }

    private async Task<Job> FindAsync(long target)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<JobEngine>().FindAsync(TestJobHandler.Kind, target))!;
    }

    private async Task<Job> WaitUntilAsync(long target, Func<Job, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var job = await FindAsync(target);
            if (done(job))
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Job for {target} is {job.Status} ({job.ConsecutiveFailures} failures, {job.LastError}).");
            await Task.Delay(20);
        }
    }
}
