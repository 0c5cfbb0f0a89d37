using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Jobs;

/// <summary>
/// For each kind of job, <see cref="JobKind.MaxConcurrency"/> workers that claim queued jobs from the database (woken on
/// this node by <see cref="JobSignals"/>, otherwise polling) and run each in its own DI scope, renewing the lease while
/// it runs. Every outcome goes back through <see cref="JobEngine"/>; a handler that throws still ends its run, as a failure.
/// </summary>
public sealed class JobWorkerPool(
    IServiceScopeFactory scopes,
    IEnumerable<JobKind> kinds,
    JobSignals signals,
    IOptions<JobOptions> options,
    ILogger<JobWorkerPool> logger) : BackgroundService
{
    public const string InternalErrorMessage = "The run stopped on an internal error in Portal (details are in the server log). It counts as a failed attempt.";

    /// <summary>Names this process's leases: node, process and a random part, so a restarted Portal is a different owner.</summary>
    public string InstanceId { get; } = $"{options.Value.NodeName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(kinds.SelectMany(kind => Enumerable.Range(0, kind.MaxConcurrency).Select(i => RunWorkerAsync(kind, $"{InstanceId}/{kind.Name}/{i}", stoppingToken))));

    private async Task RunWorkerAsync(JobKind kind, string workerId, CancellationToken stoppingToken)
    {
        await Task.Yield();
        // The run claimed in the same write that recorded the previous one's end, if any.
        JobClaim? next = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                var claim = next ?? await ClaimAsync(kind, workerId, stoppingToken);
                next = null;
                if (claim is null)
                {
                    await signals.WaitAsync(kind.Name, options.Value.PollInterval, stoppingToken);
                    continue;
                }

                // More may be queued: let the next idle worker look too.
                signals.Wake(kind.Name);
                next = await RunAsync(kind, claim, new RunTimings(started, Stopwatch.GetTimestamp()), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The database failed under the claim or the completion: the lease lapses and recovery ends the run.
                logger.LogError(exception, "Job worker {Worker} failed", workerId);
                if (!await PauseAsync(stoppingToken))
                {
                    return;
                }
            }
        }

        if (next is not null)
        {
            // Stopping with a run claimed but not started: back to the queue for the next start.
            await ReleaseAsync(kind, next);
        }
    }

    /// <summary>A breath after a failure, so a broken database is not hammered; false when stopping.</summary>
    private static async Task<bool> PauseAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<JobClaim?> ClaimAsync(JobKind kind, string workerId, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JobEngine>().ClaimAsync(kind.Name, workerId, stoppingToken);
    }

    /// <summary>Runs one claimed job to its recorded end; returns the next run claimed in the same write, if any.</summary>
    private async Task<JobClaim?> RunAsync(JobKind kind, JobClaim claim, RunTimings timings, CancellationToken stoppingToken)
    {
        using var renewal = RenewPeriodically(claim);
        JobResult result;
        var crashed = false;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var handler = scope.ServiceProvider.GetRequiredKeyedService<IJobHandler>(kind.Name);
            try
            {
                result = await handler.RunAsync(claim.Run, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await ReleaseAsync(kind, claim);
                throw;
            }
            catch (Exception exception)
            {
                // Past the handler's own error handling (a bug, the database): the run still ends, as a failure.
                // Recorded from a fresh scope, as the crashed one may hold half-written state.
                logger.LogError(exception, "{Kind} job for target {TargetId} crashed", kind.Name, claim.Run.TargetId);
                result = JobResult.Failure(InternalErrorMessage);
                crashed = true;
            }

            if (!crashed)
            {
                var ran = Stopwatch.GetTimestamp();
                return await CompleteAsync(kind, claim, result, handler, scope.ServiceProvider, timings with { Ran = ran }, stoppingToken);
            }
        }

        await using var completion = scopes.CreateAsyncScope();
        var completingHandler = completion.ServiceProvider.GetRequiredKeyedService<IJobHandler>(kind.Name);
        var crashedSchedule = await completingHandler.ScheduleAsync(claim.Run.TargetId, CancellationToken.None);
        await completion.ServiceProvider.GetRequiredService<JobEngine>().CompleteAsync(claim, result, kind.RetryPolicy, crashedSchedule, CancellationToken.None);
        await completingHandler.AbandonedAsync(claim.Run.TargetId, InternalErrorMessage, CancellationToken.None);
        return null;
    }

    /// <summary>
    /// Records the end of a run the handler finished: its unsaved changes and the rows it writes itself
    /// (<see cref="IJobHandler.RecordAsync"/>), the job's state and the claim of this worker's next run in one
    /// transaction (one write to the database instead of three, where every write waits for the one writer SQLite
    /// allows), then announces it, and only then tells the handler. Returns the next run.
    /// </summary>
    private async Task<JobClaim?> CompleteAsync(JobKind kind, JobClaim claim, JobResult result, IJobHandler handler, IServiceProvider services, RunTimings timings, CancellationToken stoppingToken)
    {
        var schedule = result.Schedule ?? await handler.ScheduleAsync(claim.Run.TargetId, CancellationToken.None);
        var engine = services.GetRequiredService<JobEngine>();
        var db = services.GetRequiredService<PortalDbContext>();
        JobClaim? next;
        using (await services.GetRequiredService<JobWriteGate>().EnterAsync(CancellationToken.None))
        await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            await db.SaveChangesAsync(CancellationToken.None);
            await handler.RecordAsync(claim.Run, CancellationToken.None);
            await engine.CompleteAsync(claim, result, kind.RetryPolicy, schedule, CancellationToken.None);
            next = stoppingToken.IsCancellationRequested ? null : await engine.ClaimInTransactionAsync(kind.Name, claim.Owner, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        var recorded = Stopwatch.GetTimestamp();
        engine.SignalCommitted();
        try
        {
            await handler.CompletedAsync(claim.Run, result, CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Its run is recorded; the next one, already claimed, still runs.
            logger.LogError(exception, "{Kind} job for target {TargetId}: what follows its recorded end failed", kind.Name, claim.Run.TargetId);
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            // Where a run's fixed cost goes (issue 17): the claim, the handler, recording its end, the handler's follow-ups.
            logger.LogDebug(
                "{Kind} run for target {TargetId}: claim {Claim:0.0} ms, handler {Handler:0.0} ms, record {Record:0.0} ms, completed {Completed:0.0} ms",
                kind.Name,
                claim.Run.TargetId,
                Stopwatch.GetElapsedTime(timings.Started, timings.Claimed).TotalMilliseconds,
                Stopwatch.GetElapsedTime(timings.Claimed, timings.Ran).TotalMilliseconds,
                Stopwatch.GetElapsedTime(timings.Ran, recorded).TotalMilliseconds,
                Stopwatch.GetElapsedTime(recorded).TotalMilliseconds);
        }

        return next;
    }

    /// <summary>Timestamps of one run (<see cref="Stopwatch.GetTimestamp"/>), for the Debug line that profiles it.</summary>
    private readonly record struct RunTimings(long Started, long Claimed, long Ran = 0);

    /// <summary>Stopping mid-run: the job goes back to the queue; the handler closes what it recorded.</summary>
    private async Task ReleaseAsync(JobKind kind, JobClaim claim)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<JobEngine>().ReleaseAsync(claim, deadline.Token))
            {
                await scope.ServiceProvider.GetRequiredKeyedService<IJobHandler>(kind.Name)
                    .AbandonedAsync(claim.Run.TargetId, "Portal stopped during this run; it runs again when Portal starts.", deadline.Token);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The lease lapses instead, and recovery ends the run.
            logger.LogWarning(exception, "Could not release {Kind} job {JobId} on shutdown", kind.Name, claim.Run.JobId);
        }
    }

    /// <summary>Keeps the claim alive while a long run goes on; a process that dies stops renewing and its lease lapses.</summary>
    private Timer RenewPeriodically(JobClaim claim)
    {
        var period = options.Value.Lease / 3;
        return new Timer(
            _ =>
            {
                try
                {
                    // Its own scope: the run's DbContext is busy on another thread, and a DbContext is not thread-safe.
                    using var scope = scopes.CreateScope();
                    scope.ServiceProvider.GetRequiredService<JobEngine>().RenewAsync(claim, CancellationToken.None).GetAwaiter().GetResult();
                }
                catch (Exception exception) when (exception is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
                {
                    logger.LogWarning(exception, "Could not renew the lease of {Kind} job {JobId}", claim.Kind, claim.Run.JobId);
                }
            },
            null,
            period,
            period);
    }
}
