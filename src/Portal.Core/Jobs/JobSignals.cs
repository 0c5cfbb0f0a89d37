using System.Collections.Concurrent;

namespace Portal.Core.Jobs;

/// <summary>
/// In-memory nudges only, never truth: wakes a kind's idle workers when work was queued on this node (workers on other
/// nodes find it by polling), and tells pages that a job changed so they reload it from the database.
/// </summary>
public sealed class JobSignals
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> wake = new(StringComparer.Ordinal);

    /// <summary>A job changed state (queued, started, finished): (kind, target).</summary>
    public event Action<string, long>? Changed;

    public void NotifyChanged(string kind, long targetId) => Changed?.Invoke(kind, targetId);

    public void Wake(string kind)
    {
        // One pending wake is enough: a worker that claims something wakes the next (so idle workers fan out), and one
        // that finds nothing goes back to sleep.
        try
        {
            Semaphore(kind).Release();
        }
        catch (SemaphoreFullException)
        {
            // Already pending.
        }
    }

    /// <summary>Wakes a kind's workers once <paramref name="delay"/> has passed (work queued to be claimed then).</summary>
    public void WakeAfter(string kind, TimeSpan delay) =>
        _ = Task.Delay(delay).ContinueWith(_ => Wake(kind), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    /// <summary>Waits until woken or <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(string kind, TimeSpan timeout, CancellationToken cancellationToken) =>
        await Semaphore(kind).WaitAsync(timeout, cancellationToken);

    private SemaphoreSlim Semaphore(string kind) => wake.GetOrAdd(kind, _ => new SemaphoreSlim(0, 1));
}
