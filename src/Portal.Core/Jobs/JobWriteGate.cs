namespace Portal.Core.Jobs;

/// <summary>
/// Lets one of this process's job-engine write transactions at a time reach the database. SQLite allows one writer;
/// a second that asks meanwhile is refused (SQLITE_BUSY) and Microsoft.Data.Sqlite retries it only after a 150 ms
/// sleep, many times a no-op sync's own cost. Eight workers claiming and recording runs collide often, so they queue
/// here instead, where the wait is as long as the write ahead and no longer. Other nodes (and other writers) are not
/// ordered by it: it removes contention, correctness still rests on the conditional UPDATEs.
/// </summary>
public sealed class JobWriteGate
{
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Waits for the gate; dispose the result to let the next writer in.</summary>
    public Task<IDisposable> EnterAsync(CancellationToken cancellationToken) => gate.EnterAsync(cancellationToken);
}
