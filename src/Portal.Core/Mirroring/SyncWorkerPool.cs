using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Mirroring;

/// <summary>At most <see cref="SyncOptions.MaxConcurrent"/> syncs at once, each in its own DI scope (its own DbContext).</summary>
public sealed class SyncWorkerPool(SyncQueue queue, IServiceScopeFactory scopes, IOptions<SyncOptions> options, ILogger<SyncWorkerPool> logger) : BackgroundService
{
    /// <summary>The start of every lease this machine's Portal processes take: one node, one process.</summary>
    public static readonly string NodePrefix = $"{Environment.MachineName}:";

    /// <summary>Identifies this process's leases: a restarted Portal is a different owner.</summary>
    public static readonly string InstanceId = $"{NodePrefix}{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.MaxConcurrent).Select(i => RunWorkerAsync(i, stoppingToken)));

    private async Task RunWorkerAsync(int index, CancellationToken stoppingToken)
    {
        var workerId = $"{InstanceId}/{index}";
        while (!stoppingToken.IsCancellationRequested)
        {
            long repositoryId;
            try
            {
                repositoryId = await queue.DequeueAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<MirrorSyncService>().RunQueuedAsync(repositoryId, workerId, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down mid-sync: the lease expires and the next start recovers it.
                return;
            }
            catch (Exception exception)
            {
                // One broken repository must not stop the worker (the run itself was ended as failed by the sync service).
                logger.LogError(exception, "Sync worker {Worker} failed on repository {RepositoryId}", workerId, repositoryId);
            }
        }
    }
}
