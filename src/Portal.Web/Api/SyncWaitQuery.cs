using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;

namespace Portal.Web.Api;

/// <summary>
/// <c>?wait=&lt;seconds&gt;</c> on GET repo and POST sync: the response is held until the sync is neither queued nor
/// running, or that many seconds pass (see <see cref="SyncWaiter"/>), so a script learns a sync's end without polling.
/// </summary>
internal static class SyncWaitQuery
{
    private static readonly int MaxSeconds = (int)SyncWaiter.MaxWait.TotalSeconds;

    /// <summary>Absent: no wait (null). Anything but a whole number of seconds in 1..300 is refused, saying what is accepted.</summary>
    public static bool TryParse(string? text, out TimeSpan? wait, [NotNullWhen(false)] out IResult? refused)
    {
        wait = null;
        refused = null;
        if (text is null)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 && seconds <= MaxSeconds)
        {
            wait = TimeSpan.FromSeconds(seconds);
            return true;
        }

        refused = ProblemResults.Problem(
            StatusCodes.Status400BadRequest,
            $"'wait' is the number of seconds to hold the response until the sync ends: a whole number from 1 to {MaxSeconds} (e.g. ?wait=30), or leave it out to answer at once.");
        return false;
    }

    /// <summary>
    /// The repository once its sync ended (or the wait ran out), read again after the wait as GET shows it; null when
    /// it was deleted meanwhile. <c>Pending</c>: still queued or running.
    /// </summary>
    public static async Task<(RepositoryResponse? Response, bool Pending)> WaitAsync(
        Repository repository, RepositoryRole role, TimeSpan wait, SyncWaiter waiter, RepositoryAccess access, string publicBase, CancellationToken cancellationToken)
    {
        var sync = await waiter.WaitAsync(repository.Id, wait, cancellationToken);
        var reloaded = await access.FindAsync(repository.Owner!.Slug, repository.Name, cancellationToken);
        return reloaded is null ? (null, false) : (RepositoryResponse.From(reloaded, sync, role, publicBase), SyncWaiter.IsPending(sync));
    }
}
