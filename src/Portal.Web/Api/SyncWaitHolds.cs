using System.Collections.Concurrent;
using System.Security.Claims;

namespace Portal.Web.Api;

/// <summary>
/// How many <c>?wait=</c> requests each caller holds open on this node: past <see cref="MaxPerCaller"/> a further one is
/// not held (a GET answers at once, as without <c>?wait=</c>; a POST is refused before it queues anything). Each held
/// request keeps a connection and re-reads its job once a second, so one caller (a signed-in user, or an anonymous
/// address) must not be able to hold thousands.
/// </summary>
public sealed class SyncWaitHolds
{
    /// <summary>Waiting requests one caller may hold at once: a script waiting on a few mirrors at a time, with room.</summary>
    public const int MaxPerCaller = 16;

    private readonly ConcurrentDictionary<string, int> held = new(StringComparer.Ordinal);

    /// <summary>Requests held on this node now, every caller together (tests wait on it rather than on time).</summary>
    internal int Holding => held.Values.Sum();

    /// <summary>
    /// A place for one more held request of the request's caller (the signed-in user, or else the address it came
    /// from), released on dispose; null when that caller holds <see cref="MaxPerCaller"/> already.
    /// </summary>
    public IDisposable? TryHold(ClaimsPrincipal user, HttpContext http)
    {
        var caller = user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId ? "user:" + userId : "address:" + http.Connection.RemoteIpAddress;
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
    /// The 429 for a request that asked to wait past the limit. Retry-After: 1, as a place frees whenever one of the
    /// caller's held requests ends; the title tells it from the manual-sync limit's 429 on the same endpoint.
    /// </summary>
    public static IResult Refuse(HttpResponse response)
    {
        response.Headers.RetryAfter = "1";
        return TypedResults.Problem(
            detail: $"You already have {MaxPerCaller} requests waiting for syncs to end (?wait=) on this server. Let one of them end first, or leave out ?wait= and ask again later.",
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many waiting requests");
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
