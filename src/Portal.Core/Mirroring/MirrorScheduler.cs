using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Repositories;

namespace Portal.Core.Mirroring;

/// <summary>
/// Every <see cref="SyncOptions.SchedulerPeriod"/>: ends syncs whose lease expired as failed, marks due mirrors Queued
/// and enqueues them. "Due" is one indexed query on NextSyncAt, so a pass costs the same for 10 or 100,000 mirrors.
/// On start it first ends what this node's previous process left running, and wakes what it left queued.
/// </summary>
public sealed class MirrorScheduler(IServiceScopeFactory scopes, SyncQueue queue, InterruptedSyncRecovery interrupted, TimeProvider clock, IOptions<SyncOptions> options, ILogger<MirrorScheduler> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAfterRestartAsync(stoppingToken);
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

    /// <summary>
    /// Runs this node's previous process left Running are ended as failed (retried at once the first time, see
    /// <see cref="SyncStateTransitions"/>); then all queued work is woken.
    /// </summary>
    public async Task RecoverAfterRestartAsync(CancellationToken cancellationToken)
    {
        await interrupted.RecoverAfterRestartAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var queued = await db.SyncStates.Where(s => s.Status == SyncStatus.Queued).Select(s => s.RepositoryId).ToListAsync(cancellationToken);
        foreach (var id in queued)
        {
            queue.Enqueue(id, urgent: false);
        }
    }

    /// <summary>One scheduler pass; returns how many mirrors it queued.</summary>
    public async Task<int> RunPassAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;

        // A running sync whose lease lapsed (its process died) ends as a failed run; it is then due like any failure.
        await interrupted.RecoverExpiredAsync(cancellationToken);

        var total = 0;
        while (true)
        {
            var due = await db.SyncStates
                .Where(s => s.NextSyncAt <= now && (s.Status == SyncStatus.Never || s.Status == SyncStatus.Succeeded || s.Status == SyncStatus.Failed))
                .OrderBy(s => s.NextSyncAt)
                .Select(s => s.RepositoryId)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (due.Count == 0)
            {
                break;
            }

            await db.SyncStates
                .Where(s => due.Contains(s.RepositoryId) && s.Status != SyncStatus.Queued && s.Status != SyncStatus.Running && s.Status != SyncStatus.HardFailed)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, SyncStatus.Queued).SetProperty(x => x.QueuedTrigger, SyncTrigger.Schedule).SetProperty(x => x.QueuedBy, (string?)null), cancellationToken);
            foreach (var id in due)
            {
                queue.Enqueue(id, urgent: false);
            }

            total += due.Count;
            if (due.Count < BatchSize)
            {
                break;
            }
        }

        var queued = await db.SyncStates.Where(s => s.Status == SyncStatus.Queued).Select(s => s.RepositoryId).ToListAsync(cancellationToken);
        foreach (var id in queued)
        {
            // Re-wakes work whose in-memory entry was lost; a repository already waiting is skipped by the queue.
            queue.Enqueue(id, urgent: false);
        }

        logger.LogInformation("Scheduler pass queued {Count} mirrors in {Elapsed:0.0} ms", total, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return total;
    }
}
