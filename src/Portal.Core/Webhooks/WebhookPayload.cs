using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Core.Repositories;

namespace Portal.Core.Webhooks;

/// <summary>
/// The JSON body of every delivery, the same shape for every event (fields that do not apply are null or empty), so a
/// receiver can parse all of them with one type. Documented in README ("Webhooks"); fields are only ever added.
/// <c>id</c> names the event: every delivery of it, and every redelivery, carries the same one.
/// </summary>
public sealed record WebhookPayload(
    string Event,
    string Id,
    DateTime OccurredAt,
    WebhookRepository Repository,
    WebhookActor? Actor,
    IReadOnlyList<WebhookRefChange> RefChanges,
    bool RefChangesTruncated,
    string? Error,
    WebhookPushMirror? PushMirror)
{
    /// <summary>The most ref changes a body lists (an import can create thousands); the rest are left out and <see cref="RefChangesTruncated"/> says so.</summary>
    public const int MaxRefChanges = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static IReadOnlyList<WebhookRefChange> Changes(IEnumerable<RefChange> changes) =>
        [.. changes.OrderBy(c => c.RefName, StringComparer.Ordinal).Take(MaxRefChanges).Select(c => new WebhookRefChange(c.RefName, c.OldSha, c.NewSha, Word(c.Kind)))];

    /// <summary>An enum as the API writes it: snake_case, lower case.</summary>
    public static string Word<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}

/// <summary>The repository an event happened to, as it was then (a deleted repository is described as it was).</summary>
public sealed record WebhookRepository(long Id, string Owner, string Name, string FullName, string Mode, string Visibility)
{
    public static WebhookRepository From(Repository repository) => new(
        repository.Id,
        repository.Owner!.Name,
        repository.Name,
        $"{repository.Owner.Name}/{repository.Name}",
        WebhookPayload.Word(repository.Mode),
        WebhookPayload.Word(repository.Visibility));
}

/// <summary>Who caused the event: the pusher, the person who asked for the sync, created or deleted the repository; null for scheduled work and upstream webhooks.</summary>
public sealed record WebhookActor(string UserName);

/// <summary>One ref change, named as in the API's sync history.</summary>
public sealed record WebhookRefChange(string Ref, string? OldSha, string? NewSha, string Kind);

/// <summary>The push mirror a <see cref="WebhookEvents.PushMirrorFailed"/> event is about; its URL never carries credentials.</summary>
public sealed record WebhookPushMirror(long Id, string Url);
