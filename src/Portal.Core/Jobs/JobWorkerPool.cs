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
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var claim = await ClaimAsync(kind, workerId, stoppingToken);
                if (claim is null)
                {
                    await signals.WaitAsync(kind.Name, options.Value.PollInterval, stoppingToken);
                    continue;
                }

                // More may be queued: let the next idle worker look too.
                signals.Wake(kind.Name);
                await RunAsync(kind, claim, stoppingToken);
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

    private async Task RunAsync(JobKind kind, JobClaim claim, CancellationToken stoppingToken)
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
                await CompleteAsync(kind, claim, result, handler, scope.ServiceProvider);
                return;
            }
        }

        await using var completion = scopes.CreateAsyncScope();
        var completingHandler = completion.ServiceProvider.GetRequiredKeyedService<IJobHandler>(kind.Name);
        var crashedSchedule = await completingHandler.ScheduleAsync(claim.Run.TargetId, CancellationToken.None);
        await completion.ServiceProvider.GetRequiredService<JobEngine>().CompleteAsync(claim, result, kind.RetryPolicy, crashedSchedule, CancellationToken.None);
        await completingHandler.AbandonedAsync(claim.Run.TargetId, InternalErrorMessage, CancellationToken.None);
    }

    /// <summary>
    /// Records the end of a run the handler finished: its unsaved changes and the job's state in one transaction (one
    /// write to the database instead of two, where every write may wait for the one writer SQLite allows), then
    /// announces it, and only then tells the handler.
    /// </summary>
    private static async Task CompleteAsync(JobKind kind, JobClaim claim, JobResult result, IJobHandler handler, IServiceProvider services)
    {
        var schedule = result.Schedule ?? await handler.ScheduleAsync(claim.Run.TargetId, CancellationToken.None);
        var engine = services.GetRequiredService<JobEngine>();
        var db = services.GetRequiredService<PortalDbContext>();
        await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            await db.SaveChangesAsync(CancellationToken.None);
            await engine.CompleteAsync(claim, result, kind.RetryPolicy, schedule, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        engine.SignalCommitted();
        await handler.CompletedAsync(claim.Run, result, CancellationToken.None);
    }

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
