using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Repositories;
using Portal.Core.Security;

namespace Portal.Core.Mirroring;

/// <summary>How an upstream webhook was answered.</summary>
public enum UpstreamWebhookOutcome
{
    /// <summary>No signature Portal accepts, a wrong one, or no such mirror (the three look alike, so nothing leaks).</summary>
    Unauthorized,

    /// <summary>Signed correctly, but the repository stopped being a mirror.</summary>
    NotAMirror,

    Pong,

    /// <summary>A sync was queued.</summary>
    Queued,

    /// <summary>A sync was already queued, or one more run after the running one was already asked for.</summary>
    Coalesced,

    Ignored,
}

public sealed record UpstreamWebhookResult(UpstreamWebhookOutcome Outcome, string Message);

/// <summary>
/// <c>POST /{owner}/{name}/hooks/upstream</c>: an upstream tells a mirror it changed. The signature is checked first
/// (<see cref="UpstreamWebhookSignature"/>); a push then asks the job engine for a sync at once, coalesced: a burst of
/// pushes makes at most one queued run and one running, and it is not a manual request, so the manual limit does not
/// apply to it (nor does it count toward it). Nothing is queued for a ping, an unknown event or a wrong signature.
/// </summary>
public sealed class UpstreamWebhookReceiver(PortalDbContext db, RepositoryAccess access, JobEngine jobs, WebhookSecretProtector protector, ILogger<UpstreamWebhookReceiver> logger)
{
    public const string Unauthorized =
        "The webhook's signature is missing or does not match: copy the URL and secret from the mirror's Settings tab into the upstream's webhook again.";

    public async Task<UpstreamWebhookResult> ReceiveAsync(string owner, string name, Func<string, string?> header, Stream body, CancellationToken cancellationToken)
    {
        var signature = UpstreamWebhookSignature.Find(header);
        var repository = signature is null ? null : await access.FindAsync(owner, name, cancellationToken);
        var webhook = repository is null ? null
            : await db.UpstreamWebhooks.AsNoTracking().FirstOrDefaultAsync(w => w.RepositoryId == repository.Id, cancellationToken);
        if (signature is null || repository is null || webhook is null || !await signature.VerifyAsync(protector.Unprotect(webhook.ProtectedSecret), body, cancellationToken))
        {
            logger.LogWarning("Upstream webhook for {Owner}/{Name} refused: {Reason}", owner, name, signature is null ? "no signature" : "no such mirror or wrong signature");
            return new(UpstreamWebhookOutcome.Unauthorized, Unauthorized);
        }

        var fullName = $"{repository.Owner!.Name}/{repository.Name}";
        if (repository.Mode != RepositoryMode.Mirror)
        {
            return new(UpstreamWebhookOutcome.NotAMirror, $"'{fullName}' is no longer a mirror: remove this webhook from the upstream.");
        }

        switch (signature.Event)
        {
            case UpstreamWebhookEvent.Ping:
                return new(UpstreamWebhookOutcome.Pong, $"Portal received the {signature.Provider} ping for '{fullName}': pushes will sync it.");
            case UpstreamWebhookEvent.Other:
                return new(UpstreamWebhookOutcome.Ignored, $"Portal acts on push events only; '{signature.EventName}' was ignored.");
        }

        var requested = await jobs.RequestAsync(MirrorSyncJob.Kind, repository.Id, JobTrigger.Webhook, null, new JobRequestRules(Coalesce: true), cancellationToken);
        logger.LogInformation("{Provider} push for repository {RepositoryId}: sync {Outcome}", signature.Provider, repository.Id, requested.Outcome);
        return requested.Outcome switch
        {
            JobRequestOutcome.Queued => new(UpstreamWebhookOutcome.Queued, $"A sync of '{fullName}' is queued."),
            JobRequestOutcome.Coalesced or JobRequestOutcome.AlreadyQueued => new(UpstreamWebhookOutcome.Coalesced, $"A sync of '{fullName}' is already queued or running; it will include this push."),
            _ => new(UpstreamWebhookOutcome.NotAMirror, $"'{fullName}' has no sync to run: remove this webhook from the upstream."),
        };
    }
}
