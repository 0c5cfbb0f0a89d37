namespace Portal.Core.Webhooks;

/// <summary>
/// The events Portal publishes to webhook subscribers, by the names subscriptions, the <c>X-Portal-Event</c> header and
/// the payload's <c>event</c> field use. The list is part of the API: names are never renamed, only added.
/// </summary>
public static class WebhookEvents
{
    /// <summary>Someone pushed to a hosted (or migrated) repository; the ref changes git applied.</summary>
    public const string Push = "push";

    /// <summary>A mirror sync (or a migration's import) ended well; its ref changes, empty when it was already up to date.</summary>
    public const string SyncSucceeded = "sync.succeeded";

    /// <summary>A sync failed and will be retried after its backoff.</summary>
    public const string SyncFailed = "sync.failed";

    /// <summary>A sync failed for the last time Portal retries by itself: the mirror waits for a person.</summary>
    public const string SyncHardFailed = "sync.hard_failed";

    /// <summary>Pushing to a push mirror failed (published by the push-mirror feature).</summary>
    public const string PushMirrorFailed = "push_mirror.failed";

    public const string RepositoryCreated = "repository.created";

    /// <summary>Delivered to organization webhooks: a repository's own webhooks are deleted with it.</summary>
    public const string RepositoryDeleted = "repository.deleted";

    public static IReadOnlyList<string> All { get; } =
        [Push, SyncSucceeded, SyncFailed, SyncHardFailed, PushMirrorFailed, RepositoryCreated, RepositoryDeleted];

    /// <summary>The names as given (trimmed, lower-cased, each once, in <see cref="All"/>'s order); refused when empty or when one is unknown.</summary>
    public static Outcome<IReadOnlyList<string>> Parse(IEnumerable<string?>? names)
    {
        var given = (names ?? []).Select(n => (n ?? "").Trim().ToLowerInvariant()).ToList();
        var unknown = given.Where(n => !All.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            return PortalError.Invalid($"Unknown event{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(n => $"'{n}'"))}: choose from {string.Join(", ", All)}.");
        }

        if (given.Count == 0)
        {
            return PortalError.Invalid($"Name at least one event to deliver: {string.Join(", ", All)}.");
        }

        return Outcome<IReadOnlyList<string>>.Success([.. All.Where(given.Contains)]);
    }

    /// <summary>How a subscription stores its events: the names joined by commas.</summary>
    public static string Join(IEnumerable<string> names) => string.Join(',', names);

    public static IReadOnlyList<string> Split(string stored) => stored.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
