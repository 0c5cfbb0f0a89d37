using Microsoft.Extensions.Hosting;
using Portal.Core.Jobs;

namespace Portal.Core.Mirroring;

/// <summary>
/// Holds a caller until a mirror's sync is neither queued nor running (a blocking query, as Consul's): scripts, the
/// CLI and the bench learn that a sync ended when it ended instead of polling for it. Woken by this node's
/// <see cref="JobSignals"/> (sent once a run's end is committed, so the state read then is the final one) and, for work
/// finished on another node, by a slow re-read. No thread is held while waiting.
/// </summary>
public sealed class SyncWaiter(JobSignals signals, SyncRequestService syncs, IHostApplicationLifetime lifetime)
{
    /// <summary>The longest wait a caller may ask for.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(300);

    /// <summary>How often the state is re-read without a signal: runs on other nodes do not signal this one.</summary>
    private static readonly TimeSpan Fallback = TimeSpan.FromSeconds(1);

    public static bool IsPending(Job? sync) => sync?.Status is JobStatus.Queued or JobStatus.Running;

    /// <summary>
    /// The sync state once the run ended, or as it stands when <paramref name="maximum"/> passed or Portal began to
    /// stop (null: the repository has no sync job). The time is real time, not <see cref="TimeProvider"/>'s: it bounds
    /// how long a request is held, not what the clock says about the job. Cancelled with <paramref name="cancellationToken"/>
    /// (the caller went away).
    /// </summary>
    public async Task<Job?> WaitAsync(long repositoryId, TimeSpan maximum, CancellationToken cancellationToken)
    {
        // At most one pending wake: a signal that arrives during a read makes the next wait return at once. Never
        // disposed: a signal raised just as the handler is removed may still release it.
        var changed = new SemaphoreSlim(0, 1);
        void OnChanged(string kind, long targetId)
        {
            if (targetId == repositoryId && kind == MirrorSyncJob.Kind)
            {
                try
                {
                    changed.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Already pending.
                }
            }
        }

        // Subscribed before the first read, so a run that ends between the read and the wait is not missed.
        signals.Changed += OnChanged;
        try
        {
            using var held = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            held.CancelAfter(maximum);
            while (true)
            {
                var sync = await syncs.GetStateAsync(repositoryId, cancellationToken);
                if (!IsPending(sync) || held.IsCancellationRequested)
                {
                    return sync;
                }

                try
                {
                    await changed.WaitAsync(Fallback, held.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Time is up or Portal is stopping: the state as it stands now.
                }
            }
        }
        finally
        {
            signals.Changed -= OnChanged;
        }
    }
}
