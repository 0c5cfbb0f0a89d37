namespace Portal.Core.Jobs;

/// <summary>What the engine knows of one kind of work: its name, how many run at once on a node, how failures back off.</summary>
public sealed record JobKind(string Name, int MaxConcurrency, JobRetryPolicy RetryPolicy);

/// <summary>How failures of a kind back off: the first delay doubles with each further failure; after the limit the job hard-fails.</summary>
public sealed record JobRetryPolicy(int MaxConsecutiveFailures, TimeSpan InitialBackoff)
{
    /// <summary>The delay before retry number <paramref name="failures"/>: first, 2×, 4×, … never more than <paramref name="cap"/>.</summary>
    public TimeSpan BackoffAfter(int failures, TimeSpan cap)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var delay = InitialBackoff * Math.Pow(2, exponent);
        return delay < cap ? delay : cap;
    }

    /// <summary>Whether a run that ends as failure number <paramref name="consecutiveFailures"/> hard-fails the job.</summary>
    public bool HardFailsAt(int consecutiveFailures) => consecutiveFailures >= MaxConsecutiveFailures;
}

/// <summary>
/// How a target recurs, as its handler decides: <see cref="Recurrence"/> after a success (null: one-off), and the
/// longest a failure waits before its retry.
/// </summary>
public sealed record JobSchedule(TimeSpan? Recurrence, TimeSpan BackoffCap);

/// <summary>One run handed to a handler.</summary>
public sealed record JobRun(long JobId, long TargetId, JobTrigger Trigger, string? RequestedBy, int PreviousFailures);

/// <summary>
/// How a run ended: success, or a failure with the message a person reads (already scrubbed). A handler that read its
/// target anyway may say how it recurs (<see cref="Schedule"/>), which spares the engine asking
/// <see cref="IJobHandler.ScheduleAsync"/> for it: a database read on every run of the commonest job, the no-op sync.
/// </summary>
public sealed record JobResult(string? Error)
{
    public static JobResult Success { get; } = new((string?)null);

    public bool Succeeded => Error is null;

    public JobSchedule? Schedule { get; init; }

    public static JobResult Failure(string error) => new(error);
}

/// <summary>
/// Runs one kind of job. Resolved per run from its own DI scope (its own DbContext), by <see cref="JobKind.Name"/>.
/// A handler does the work and records its own domain data (a sync's activity entry, a delivery's response); the
/// engine alone records the job's state from the result it returns.
/// </summary>
public interface IJobHandler
{
    Task<JobResult> RunAsync(JobRun run, CancellationToken cancellationToken);

    /// <summary>How the target recurs now (it may have changed since it was queued).</summary>
    Task<JobSchedule> ScheduleAsync(long targetId, CancellationToken cancellationToken);

    /// <summary>A run ended without the handler finishing it (its process died, it threw, Portal stopped): close what it recorded.</summary>
    Task AbandonedAsync(long targetId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Inside the transaction that records the run's end, once the changes the handler left tracked are saved (so their
    /// keys are known) and before the job's new state: for rows too many to pass through the change tracker one by one
    /// (an import's thousands of ref changes), written straight through the context's connection.
    /// </summary>
    Task RecordAsync(JobRun run, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// After the run's end is committed: the job's new state together with whatever the handler left unsaved in its
    /// scope's DbContext (one transaction, so a page never sees a finished activity entry beside a running job). The
    /// place for what others should hear of only once it is recorded (webhook events, follow-up work).
    /// </summary>
    Task CompletedAsync(JobRun run, JobResult result, CancellationToken cancellationToken) => Task.CompletedTask;
}
