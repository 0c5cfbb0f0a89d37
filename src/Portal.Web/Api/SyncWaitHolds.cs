using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;

namespace Portal.Web.Api;

/// <summary>
/// How many <c>?wait=</c> requests each caller holds open on this node: past <see cref="MaxPerCaller"/> a further one is
/// refused before it does anything. Each held request keeps a connection and re-reads its job once a second, so one
/// caller (a signed-in user, or an anonymous address) must not be able to hold thousands.
/// </summary>
public sealed class SyncWaitHolds
{
    /// <summary>Waiting requests one caller may hold at once: a script waiting on a few mirrors at a time, with room.</summary>
    public const int MaxPerCaller = 16;

    private readonly ConcurrentDictionary<string, int> held = new(StringComparer.Ordinal);

    /// <summary>The caller a hold counts against: the signed-in user, or else the address the request came from.</summary>
    public static string CallerOf(ClaimsPrincipal user, HttpContext http) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId ? "user:" + userId : "address:" + http.Connection.RemoteIpAddress;

    /// <summary>One more held request for <paramref name="caller"/>, released on dispose; null when it holds the maximum already.</summary>
    public IDisposable? TryHold(string caller)
    {
        while (true)
        {
            var current = held.GetValueOrDefault(caller);
            if (current >= MaxPerCaller)
            {
                return null;
            }

            if (current == 0 ? held.TryAdd(caller, 1) : held.TryUpdate(caller, current + 1, current))
            {
                return new Hold(this, caller);
            }
        }
    }

    /// <summary>
    /// For a request that asks to wait (<paramref name="wait"/> not null), a place counted against its caller, released
    /// on dispose; false with a 429 saying what to do when the caller holds the maximum already. No wait, no place.
    /// </summary>
    public bool TryHoldFor(TimeSpan? wait, ClaimsPrincipal user, HttpContext http, out IDisposable? place, [NotNullWhen(false)] out IResult? refused)
    {
        refused = null;
        place = wait is null ? null : TryHold(CallerOf(user, http));
        if (wait is not null && place is null)
        {
            refused = ProblemResults.Problem(
                StatusCodes.Status429TooManyRequests,
                $"You already have {MaxPerCaller} requests waiting for syncs to end (?wait=). Let one of them end first, or leave out ?wait= and ask again later.");
            return false;
        }

        return true;
    }

    private void Release(string caller)
    {
        while (true)
        {
            var current = held[caller];
            if (current == 1 ? held.TryRemove(new KeyValuePair<string, int>(caller, 1)) : held.TryUpdate(caller, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Hold(SyncWaitHolds holds, string caller) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                holds.Release(caller);
            }
        }
    }
}
