using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portal.Core.Hosting;

namespace Portal.Web.Authentication;

/// <summary>
/// Slows down guessing. Failed sign-ins are counted per client address, and per user name from that address: after
/// <see cref="PortalOptions.AuthFailuresPerMinute"/> failures from one address, or
/// <see cref="PortalOptions.AuthFailuresPerNamePerMinute"/> for one name from one address, within a minute, further
/// <em>password</em> attempts from there are refused unchecked until the minute has passed. Never per name alone: a
/// stranger's bad passwords must not lock the name's owner out from elsewhere. Access tokens are always checked, so a
/// valid one works even from a blocked address (Identity's per-account lockout, which a stranger can trigger, stops
/// passwords only, as on GitLab).
/// </summary>
public sealed class AuthFailureLimiter(TimeProvider clock, IOptions<PortalOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> failures = new(StringComparer.Ordinal);
    private long lastSweepTicks;

    /// <summary>Whether a password attempt from this address (for this name) is refused without being checked.</summary>
    public bool IsBlocked(string? address, string? userName) =>
        Count(AddressKey(address)) >= options.Value.AuthFailuresPerMinute
        || Count(NameKey(address, userName)) >= options.Value.AuthFailuresPerNamePerMinute;

    public void RecordFailure(string? address, string? userName)
    {
        Add(AddressKey(address));
        Add(NameKey(address, userName));
    }

    // No address (an in-process test host): nothing to count by, so nothing is counted.
    private static string? AddressKey(string? address) => Client(address) is { } client ? $"ip:{client}" : null;

    private static string? NameKey(string? address, string? userName) =>
        Client(address) is { } client && !string.IsNullOrEmpty(userName) ? $"name:{client}:{userName.ToLowerInvariant()}" : null;

    /// <summary>
    /// Who a failure is counted against: the IPv4 address, or the IPv6 /64 (one subscriber's network hands each host
    /// countless addresses, so counting them one by one would not limit anything).
    /// </summary>
    private static string? Client(string? address)
    {
        if (string.IsNullOrEmpty(address))
        {
            return null;
        }

        if (!System.Net.IPAddress.TryParse(address, out var parsed))
        {
            return address;
        }

        if (parsed.IsIPv4MappedToIPv6)
        {
            return parsed.MapToIPv4().ToString();
        }

        if (parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return parsed.ToString();
        }

        var bytes = parsed.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

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

        var now = clock.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref lastSweepTicks);
        if (failures.Count > 100_000 && now - last > Window.Ticks && Interlocked.CompareExchange(ref lastSweepTicks, now, last) == last)
        {
            // Bounded memory under a spray of addresses: forget quiet keys, at most once a minute (a sweep visits every key).
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
