using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portal.Core.Hosting;

namespace Portal.Web.Authentication;

/// <summary>
/// Slows down guessing: after <see cref="PortalOptions.AuthFailuresPerMinute"/> failed authentications from one
/// address, or for one user name, within a minute, further attempts are refused without being checked until the
/// minute has passed. (Password guesses also count towards Identity's per-account lockout.)
/// </summary>
public sealed class AuthFailureLimiter(TimeProvider clock, IOptions<PortalOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> failures = new(StringComparer.Ordinal);

    public bool IsBlocked(string? address, string? userName) =>
        Count(Key("ip", address)) >= options.Value.AuthFailuresPerMinute || Count(Key("user", userName)) >= options.Value.AuthFailuresPerMinute;

    public void RecordFailure(string? address, string? userName)
    {
        Add(Key("ip", address));
        Add(Key("user", userName));
    }

    private static string? Key(string kind, string? value) => string.IsNullOrEmpty(value) ? null : $"{kind}:{value.ToLowerInvariant()}";

    private int Count(string? key)
    {
        if (key is null || !failures.TryGetValue(key, out var times))
        {
            return 0;
        }

        lock (times)
        {
            Trim(times);
            return times.Count;
        }
    }

    private void Add(string? key)
    {
        if (key is null)
        {
            return;
        }

        var times = failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
        lock (times)
        {
            Trim(times);
            times.Enqueue(clock.GetUtcNow());
        }

        if (failures.Count > 100_000)
        {
            // Bounded memory under a spray of addresses: forget quiet keys.
            foreach (var (stale, queue) in failures)
            {
                lock (queue)
                {
                    Trim(queue);
                    if (queue.Count == 0)
                    {
                        failures.TryRemove(stale, out _);
                    }
                }
            }
        }
    }

    private void Trim(Queue<DateTimeOffset> times)
    {
        var cutoff = clock.GetUtcNow() - Window;
        while (times.Count > 0 && times.Peek() < cutoff)
        {
            times.Dequeue();
        }
    }
}
