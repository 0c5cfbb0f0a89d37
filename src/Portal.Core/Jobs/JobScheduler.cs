using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Jobs;

/// <summary>
/// Every <see cref="JobOptions.SchedulerPeriod"/>: ends runs whose lease lapsed (their worker is gone) as failures,
/// queues what is due, and wakes the workers. Recovery is by expired lease only, never by "Running at start-up": on
/// several nodes sharing a database, another node's run is alive for as long as it renews its lease.
/// </summary>
public sealed class JobScheduler(
    IServiceScopeFactory scopes,
    IEnumerable<JobKind> kinds,
    JobSignals signals,
    TimeProvider clock,
    IOptions<JobOptions> options,
    ILogger<JobScheduler> logger) : BackgroundService
{
    public const string LeaseExpiredMessage = "The run was interrupted: the Portal process running it stopped before it finished. It counts as a failed attempt.";

    private readonly Dictionary<string, JobKind> byName = kinds.ToDictionary(k => k.Name, StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SchedulerPeriod, clock);
        do
        {
            try
            {
                await RunPassAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "Scheduler pass failed");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>One pass; returns how many jobs it queued.</summary>
    public async Task<int> RunPassAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await RecoverExpiredAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var queued = await scope.ServiceProvider.GetRequiredService<JobEngine>().QueueDueAsync(cancellationToken);
        // Also re-wakes work whose wake-up was lost (queued while every worker was busy, or on another node).
        foreach (var kind in byName.Keys)
        {
            signals.Wake(kind);
        }

        logger.LogInformation("Scheduler pass queued {Count} jobs in {Elapsed:0.0} ms", queued, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return queued;
    }

    /// <summary>Ends every run whose lease lapsed as a failed attempt (the handler closes what it recorded).</summary>
    public async Task<int> RecoverExpiredAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var engine = scope.ServiceProvider.GetRequiredService<JobEngine>();
        var recovered = 0;
        foreach (var job in await engine.ExpiredAsync(clock.GetUtcNow().UtcDateTime, cancellationToken))
        {
            if (!byName.TryGetValue(job.Kind, out var kind))
            {
                continue;
            }

            await using var handlerScope = scopes.CreateAsyncScope();
            var handler = handlerScope.ServiceProvider.GetRequiredKeyedService<IJobHandler>(kind.Name);
            var schedule = await handler.ScheduleAsync(job.TargetId, cancellationToken);
            if (await engine.FailAbandonedAsync(job, LeaseExpiredMessage, kind.RetryPolicy, schedule, cancellationToken))
            {
                await handler.AbandonedAsync(job.TargetId, LeaseExpiredMessage, cancellationToken);
                recovered++;
            }
        }

        if (recovered > 0)
        {
            logger.LogWarning("Ended {Count} runs whose lease expired as failed", recovered);
        }

        return recovered;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
