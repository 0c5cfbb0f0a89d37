using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Portal.Core.Mirroring;

/// <summary>
/// Wakes sync workers. The database holds the truth (a queued mirror has Status = Queued); this only says "look at
/// repository N", in order, manual requests ahead of scheduled ones. Enqueuing a repository already waiting is a no-op.
/// </summary>
public sealed class SyncQueue
{
    private readonly Channel<long> priority = Channel.CreateUnbounded<long>();
    private readonly Channel<long> scheduled = Channel.CreateUnbounded<long>();
    private readonly ConcurrentDictionary<long, byte> waiting = new();

    public int Count => waiting.Count;

    /// <returns>false when the repository was already waiting.</returns>
    public bool Enqueue(long repositoryId, bool urgent)
    {
        if (!waiting.TryAdd(repositoryId, 0))
        {
            return false;
        }

        (urgent ? priority : scheduled).Writer.TryWrite(repositoryId);
        return true;
    }

    public async ValueTask<long> DequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (priority.Reader.TryRead(out var id) || scheduled.Reader.TryRead(out id))
            {
                waiting.TryRemove(id, out _);
                return id;
            }

            await Task.WhenAny(
                priority.Reader.WaitToReadAsync(cancellationToken).AsTask(),
                scheduled.Reader.WaitToReadAsync(cancellationToken).AsTask());
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
