namespace Portal.Core.Jobs;

/// <summary>
/// One unit of background work and the truth about it: a pull-mirror sync of repository 7, a push mirror, a webhook
/// delivery. One row per (kind, target), so a target never runs twice at once. The database holds the state; memory
/// only wakes workers.
/// Only the job engine changes a job: every setter is private (EF maps them), the state changes below are the only
/// ones there are, and <see cref="JobEngine"/> is the only type that writes them (each write a compare-and-swap on
/// <see cref="Version"/>).
/// </summary>
public sealed class Job
{
    private Job()
    {
    }

    public long Id { get; private set; }

    /// <summary>Which handler runs it (<see cref="JobKind.Name"/>).</summary>
    public string Kind { get; private set; } = "";

    /// <summary>What it works on, in the kind's own terms (a repository id, a push mirror id, a delivery id).</summary>
    public long TargetId { get; private set; }

    public JobStatus Status { get; private set; }

    /// <summary>Claim order: 1 for work a person (or a webhook) asked for, 0 for scheduled work.</summary>
    public int Priority { get; private set; }

    /// <summary>Why the queued run was queued, and by whom: handed to the run.</summary>
    public JobTrigger? QueuedTrigger { get; private set; }

    public string? QueuedBy { get; private set; }

    public DateTime? QueuedAt { get; private set; }

    /// <summary>When the scheduler queues it next (recurring work, or a retry); null when it should not.</summary>
    public DateTime? DueAt { get; private set; }

    public DateTime? LastAttemptAt { get; private set; }

    public DateTime? LastSuccessAt { get; private set; }

    /// <summary>When a person last asked for a run that counts toward the manual limit.</summary>
    public DateTime? LastManualRequestAt { get; private set; }

    /// <summary>The last failure, already scrubbed of secrets.</summary>
    public string? LastError { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    /// <summary>A request arrived while the job ran: run again as soon as this run ends (coalesces bursts to one more run).</summary>
    public bool RerunRequested { get; private set; }

    /// <summary>Why that run again was asked for (the first request of the burst), handed to it as its trigger.</summary>
    public JobTrigger? RerunTrigger { get; private set; }

    /// <summary>Which worker holds the running job, and until when; a lapsed lease means the worker is gone.</summary>
    public string? LeaseOwner { get; private set; }

    public DateTime? LeaseExpiresAt { get; private set; }

    /// <summary>Bumped by every write: the compare-and-swap token that keeps concurrent writers from losing each other's changes.</summary>
    public int Version { get; private set; }

    internal static Job Create(string kind, long targetId) => new() { Kind = kind, TargetId = targetId, Status = JobStatus.Never };

    internal Job Copy() => (Job)MemberwiseClone();

    /// <summary>Queued now; with <paramref name="notBefore"/>, claimable only from then (a debounce: requests meanwhile fold in).</summary>
    internal void Queue(JobTrigger trigger, string? requestedBy, DateTime now, bool countsAsManual, DateTime? notBefore = null)
    {
        Status = JobStatus.Queued;
        QueuedTrigger = trigger;
        QueuedBy = requestedBy;
        QueuedAt = notBefore ?? now;
        Priority = trigger == JobTrigger.Schedule ? 0 : 1;
        if (countsAsManual)
        {
            LastManualRequestAt = now;
        }
    }

    internal void RequestRerun(JobTrigger trigger)
    {
        RerunRequested = true;
        RerunTrigger = trigger;
    }

    internal void Succeed(DateTime now, JobSchedule schedule)
    {
        EndRun();
        Status = JobStatus.Succeeded;
        LastSuccessAt = now;
        LastError = null;
        ConsecutiveFailures = 0;
        DueAt = schedule.Recurrence is { } every ? now + every : null;
    }

    /// <summary>
    /// A failure counts, backs off (the policy's first delay, doubling, capped by the schedule) and after the policy's
    /// limit hard-fails: no further automatic run until a person asks. A run cut off by a stopped process is retried at
    /// once the first time (a restart is the usual cause); a repeat means the target itself may bring Portal down.
    /// </summary>
    internal void Fail(string error, DateTime now, JobRetryPolicy policy, JobSchedule schedule, bool interrupted = false)
    {
        EndRun();
        LastError = error;
        ConsecutiveFailures++;
        var hardFailed = policy.HardFailsAt(ConsecutiveFailures);
        Status = hardFailed ? JobStatus.HardFailed : JobStatus.Failed;
        DueAt = hardFailed ? null
            : interrupted && ConsecutiveFailures == 1 ? now
            : now + policy.BackoffAfter(ConsecutiveFailures, schedule.BackoffCap);
    }

    /// <summary>The worker stopped on purpose (Portal shutting down): the run goes back to the queue, not counted as a failure.</summary>
    internal void Release()
    {
        LeaseOwner = null;
        LeaseExpiresAt = null;
        Status = JobStatus.Queued;
    }

    /// <summary>After a run: queued again at once if a request arrived meanwhile.</summary>
    internal void RequeueIfRequested(DateTime now)
    {
        if (!RerunRequested || Status == JobStatus.Queued)
        {
            return;
        }

        RerunRequested = false;
        Status = JobStatus.Queued;
        QueuedTrigger = RerunTrigger ?? JobTrigger.Schedule;
        RerunTrigger = null;
        QueuedAt = now;
        Priority = 1;
    }

    internal void Reschedule(DateTime? dueAt) => DueAt = dueAt;

    /// <summary>A person answered a failure (changed the settings): start counting again and try soon.</summary>
    internal void ForgetFailures(DateTime now)
    {
        if (Status is not (JobStatus.Failed or JobStatus.HardFailed))
        {
            return;
        }

        Status = JobStatus.Failed;
        ConsecutiveFailures = 0;
        DueAt = now;
    }

    /// <summary>
    /// A run a person asked for (the sync button, the API) that failed does not hold back their next request: only
    /// succeeded or running manual runs count toward the manual limit, so "fix the token, sync again" works at once.
    /// Only those triggers' requests set <see cref="LastManualRequestAt"/>, and while such a run is queued or running
    /// no other request is accepted, so the stamp being forgotten is this run's own.
    /// </summary>
    internal void ForgetManualRequestIfFailed(JobTrigger? trigger)
    {
        if ((Status is JobStatus.Failed or JobStatus.HardFailed) && (trigger is JobTrigger.Manual or JobTrigger.Api))
        {
            LastManualRequestAt = null;
        }
    }

    private void EndRun()
    {
        LeaseOwner = null;
        LeaseExpiresAt = null;
        QueuedTrigger = null;
        QueuedBy = null;
        QueuedAt = null;
    }
}

public enum JobStatus
{
    Never,
    Queued,
    Running,
    Succeeded,
    Failed,
    HardFailed,
}

/// <summary>Why a run happened; kept on the run's activity entry too.</summary>
public enum JobTrigger
{
    Import,
    Schedule,
    Manual,
    Api,
    Webhook,
    Push,

    /// <summary>An event Portal publishes (a webhook delivery to a subscriber).</summary>
    Event,
}
