namespace Portal.Core.Repositories;

/// <summary>The truth about a mirror's schedule. The scheduler asks the database what is due; nothing lives only in memory.</summary>
public sealed class SyncState
{
    public long RepositoryId { get; set; }

    public SyncStatus Status { get; set; }

    /// <summary>When the scheduler should next sync; null when it should not (hard-failed, or not a mirror).</summary>
    public DateTime? NextSyncAt { get; set; }

    public DateTime? LastAttemptAt { get; set; }

    public DateTime? LastSuccessAt { get; set; }

    public DateTime? LastManualSyncAt { get; set; }

    /// <summary>The last error, already scrubbed of secrets.</summary>
    public string? LastError { get; set; }

    public int ConsecutiveFailures { get; set; }

    /// <summary>Why the queued sync was queued, and by whom: recorded on the sync run when it starts.</summary>
    public SyncTrigger? QueuedTrigger { get; set; }

    public string? QueuedBy { get; set; }

    /// <summary>Which process holds the running sync, and until when; an expired lease is recovered on start-up.</summary>
    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }
}

public enum SyncStatus
{
    Never,
    Queued,
    Running,
    Succeeded,
    Failed,
    HardFailed,
}
