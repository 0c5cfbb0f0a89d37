using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Portal.Outbound;

/// <summary>
/// The one address policy for every connection Portal opens to the outside: git (pinned through
/// <c>http.curloptResolve</c>, or the address itself for git:// and ssh), Git LFS and any other HTTP
/// (<see cref="OutboundHttpClientFactory"/>). Every address a name resolves to is checked (one blocked address refuses
/// the name), numeric forms such as 0x7f000001, 0177.0.0.1 and ::ffff:127.0.0.1 are normalised first, and the checked
/// address is returned so the caller connects to exactly it (no DNS rebinding between check and connection).
/// Internal addresses are refused unless <c>Portal:Import:AllowLocalNetwork</c> is set or
/// <c>Portal:Import:AllowedHosts</c> lists the host name, the address or a range holding it.
/// </summary>
public sealed class OutboundAddressPolicy(IHostResolver resolver, IOptionsMonitor<ImportOptions> options)
{
    /// <summary>Resolves <paramref name="host"/> (a name or an address literal, IPv6 with or without brackets) and decides.</summary>
    public async Task<Checked<IPAddress>> CheckAsync(string host, CancellationToken cancellationToken)
    {
        host = host.Trim('[', ']');
        IPAddress[] addresses;
        if (TryParseNumericHost(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            addresses = await resolver.ResolveAsync(host, cancellationToken);
            if (addresses.Length == 0)
            {
                return Checked<IPAddress>.Refuse($"Portal could not resolve the host '{host}': check the URL.");
            }
        }

        return Decide(host, addresses);
    }

    /// <summary>
    /// The decision: may Portal connect to <paramref name="host"/> at these addresses (all of them, as DNS answered)?
    /// Returns the address to connect to, IPv4 first: it is what most self-hosted servers answer on.
    /// </summary>
    public Checked<IPAddress> Decide(string host, IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            return Checked<IPAddress>.Refuse($"Portal could not resolve the host '{host}': check the URL.");
        }

        var normalized = addresses.Select(Normalize).ToList();
        var current = options.CurrentValue;
        var allowed = AllowedFor(current);
        if (!current.AllowLocalNetwork && !allowed.AllowsName(host))
        {
            var blocked = normalized.FirstOrDefault(a => IsInternal(a) && !allowed.AllowsAddress(a));
            if (blocked is not null)
            {
                return Checked<IPAddress>.Refuse(
                    $"'{host}' resolves to {blocked}, an internal address (loopback, private, link-local, multicast or unspecified). " +
                    "Portal does not connect to its own network; use the server's public address, or ask an admin to list the host in " +
                    "Portal:Import:AllowedHosts (or to set Portal:Import:AllowLocalNetwork).");
            }
        }

        return normalized.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? normalized[0];
    }

    /// <summary>The parsed allow list, parsed once per configuration (every connection asks).</summary>
    private AllowedHostList AllowedFor(ImportOptions current)
    {
        var cached = allowedCache;
        if (cached is not null && ReferenceEquals(cached.Value.Source, current.AllowedHosts))
        {
            return cached.Value.List;
        }

        // Invalid entries stop Portal at start (ImportOptions validation); a later bad reload allows nothing extra.
        var list = AllowedHostList.Parse(current.AllowedHosts).Value ?? AllowedHostList.Empty;
        allowedCache = (current.AllowedHosts, list);
        return list;
    }

    private (List<string> Source, AllowedHostList List)? allowedCache;

    /// <summary>Host strings that are addresses in any notation git (curl, getaddrinfo) would accept.</summary>
    internal static bool TryParseNumericHost(string host, out IPAddress address)
    {
        // IPAddress.TryParse follows inet_aton: it accepts hex (0x7f000001), octal (0177.0.0.1) and short forms (127.1),
        // exactly the forms that would otherwise slip past a check on the dotted-decimal text.
        if (IPAddress.TryParse(host, out var parsed) && (host.Contains(':') || host.All(c => char.IsAsciiHexDigit(c) || c is '.' or 'x' or 'X')))
        {
            address = parsed;
            return true;
        }

        address = IPAddress.None;
        return false;
    }

    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    internal static bool IsInternal(IPAddress address)
    {
        address = Normalize(address);
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and <= 127,          // carrier-grade NAT
                169 => b[1] == 254,                       // link-local, cloud metadata
                172 => b[1] is >= 16 and <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99),
                198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100),
                203 => b[1] == 0 && b[2] == 113,
                >= 224 => true,                           // multicast and reserved
                _ => false,
            };
        }

        var bytes = address.GetAddressBytes();
        if (EmbeddedIPv4(bytes) is { } embedded)
        {
            // 6to4 and IPv4-translated addresses reach the IPv4 address inside them: judge that one.
            return IsInternal(embedded);
        }

        return address.IsIPv6LinkLocal
               || address.IsIPv6SiteLocal
               || address.IsIPv6Multicast
               || (bytes[0] & 0xFE) == 0xFC                // unique local fc00::/7
               || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8) // documentation
               || (bytes[0] == 0 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B) // NAT64 can reach IPv4 internals
               || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0 && bytes[3] == 0) // Teredo 2001::/32 tunnels to addresses it hides
               || bytes.Take(12).All(x => x == 0);         // ::/96 (IPv4-compatible, unspecified, loopback)
    }

    /// <summary>The IPv4 address inside a 6to4 (2002::/16) or IPv4-translated (::ffff:0:0/96) address, else null.</summary>
    private static IPAddress? EmbeddedIPv4(byte[] bytes)
    {
        if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            return new IPAddress(bytes.AsSpan(2, 4));
        }

        var translated = bytes.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0 && bytes[8] == 0xFF && bytes[9] == 0xFF && bytes[10] == 0 && bytes[11] == 0;
        return translated ? new IPAddress(bytes.AsSpan(12, 4)) : null;
    }
}
