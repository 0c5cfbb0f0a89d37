using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Git;
using Portal.Core.Hosting;
using Portal.Core.PushMirrors;
using Portal.Core.Webhooks;

namespace Portal.Core.Repositories;

/// <summary>One ref update a client asked for in a push: "old new ref".</summary>
public sealed record PushCommand(string OldSha, string NewSha, string RefName)
{
    public static bool IsZero(string sha) => sha.All(c => c == '0');
}

/// <summary>
/// Records a push in the repository's activity feed: which of the requested ref updates git actually applied (a
/// rejected update is not listed), who pushed, and whether each was a creation, fast-forward, force or deletion; then
/// asks the repository's push mirrors to run and publishes it as a <see cref="WebhookEvents.Push"/> event.
/// </summary>
public sealed class PushRecorder(PortalDbContext db, LocalRepository local, DataDirectory dataDir, PushMirrorTrigger pushMirrors, TimeProvider clock, WebhookEventPublisher events)
{
    public async Task<IReadOnlyList<RefChange>> RecordAsync(long repositoryId, string? actorUserId, IReadOnlyList<PushCommand> commands, DateTime startedAt, CancellationToken cancellationToken)
    {
        var path = dataDir.RepositoryPath(repositoryId);
        var after = await local.ReadRefsAsync(path, cancellationToken);
        var changes = new List<RefChange>();
        foreach (var command in commands)
        {
            after.Refs.TryGetValue(command.RefName, out var current);
            if (PushCommand.IsZero(command.NewSha))
            {
                if (current is null && !PushCommand.IsZero(command.OldSha))
                {
                    changes.Add(new RefChange { RefName = command.RefName, OldSha = command.OldSha, Kind = RefChangeKind.Deleted });
                }
            }
            else if (current == command.NewSha)
            {
                var kind = PushCommand.IsZero(command.OldSha) ? RefChangeKind.Created
                    : await local.IsAncestorAsync(path, command.OldSha, command.NewSha, cancellationToken) ? RefChangeKind.Updated
                    : RefChangeKind.Forced;
                changes.Add(new RefChange { RefName = command.RefName, OldSha = PushCommand.IsZero(command.OldSha) ? null : command.OldSha, NewSha = command.NewSha, Kind = kind });
            }
        }

        if (changes.Count == 0)
        {
            return changes;
        }

        var repository = await db.Repositories.FirstAsync(r => r.Id == repositoryId, cancellationToken);
        if (after.Head is null || !after.Refs.ContainsKey(after.Head))
        {
            // HEAD points at a branch that does not exist (an empty repository's "main" when "master" was pushed):
            // follow what was pushed, as GitHub and GitLab do.
            var head = new[] { "refs/heads/main", "refs/heads/master" }.FirstOrDefault(after.Refs.ContainsKey)
                       ?? after.Refs.Keys.Where(r => r.StartsWith("refs/heads/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault();
            if (head is not null)
            {
                await local.SetHeadAsync(path, head, cancellationToken);
                repository.DefaultBranch = head["refs/heads/".Length..];
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        repository.UpdatedAt = now;
        db.RepositoryEvents.Add(new RepositoryEvent
        {
            RepositoryId = repositoryId,
            Kind = RepositoryEventKind.Push,
            ActorUserId = actorUserId,
            StartedAt = startedAt,
            FinishedAt = now,
            Outcome = EventOutcome.Succeeded,
            RefChanges = changes,
        });
        await db.SaveChangesAsync(cancellationToken);
        await pushMirrors.RepositoryChangedAsync(repositoryId, cancellationToken);
        await events.PushedAsync(repositoryId, actorUserId, changes, cancellationToken);
        return changes;
    }
}
