namespace Portal.Core.Repositories;

/// <summary>One entry of a repository's activity feed: a sync run or a push, with the ref changes it made, or maintenance.</summary>
public sealed class RepositoryEvent
{
    public long Id { get; set; }

    public long RepositoryId { get; set; }

    public RepositoryEventKind Kind { get; set; }

    public Jobs.JobTrigger? Trigger { get; set; }

    /// <summary>Who pushed, or who pressed "sync now"; null for scheduled work.</summary>
    public string? ActorUserId { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public EventOutcome Outcome { get; set; }

    /// <summary>Scrubbed of secrets before it is stored.</summary>
    public string? Error { get; set; }

    public List<RefChange> RefChanges { get; set; } = [];
}

public sealed class RefChange
{
    public long Id { get; set; }

    public long EventId { get; set; }

    public required string RefName { get; set; }

    public string? OldSha { get; set; }

    public string? NewSha { get; set; }

    public RefChangeKind Kind { get; set; }
}

public enum RepositoryEventKind
{
    Sync,
    Push,

    /// <summary>Work on Portal's copy after a sync (the commit-graph follow-up): recorded when it matters to a reader.</summary>
    Maintenance,
}

public enum EventOutcome
{
    Running,
    Succeeded,
    UpToDate,
    Failed,
}

public enum RefChangeKind
{
    Created,
    Updated,
    Forced,
    Deleted,
}
