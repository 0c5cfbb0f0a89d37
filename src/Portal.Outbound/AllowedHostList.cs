using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Portal.Outbound;

/// <summary>
/// <c>Portal:Import:AllowedHosts</c>, parsed: the exceptions to "Portal never connects to its own network" (Gitea's
/// ALLOWED_DOMAINS). An entry is
/// <list type="bullet">
/// <item>an address, <c>10.1.2.3</c> or <c>fd00::5</c>: exactly that address, whatever name led to it;</item>
/// <item>a CIDR range, <c>10.0.0.0/8</c>: every address in it;</item>
/// <item>a host name, <c>git.corp.example</c>: that name (case-insensitive, as written in the URL), whatever it resolves to;</item>
/// <item>a wildcard, <c>*.corp.example</c>: every name below corp.example (not corp.example itself). No other globs.</item>
/// </list>
/// A name entry trusts the name's DNS answers; list addresses or ranges instead where DNS is not trusted.
/// </summary>
public sealed partial class AllowedHostList
{
    private readonly HashSet<string> names;
    private readonly string[] wildcardSuffixes;
    private readonly IPNetwork[] networks;

    private AllowedHostList(HashSet<string> names, string[] wildcardSuffixes, IPNetwork[] networks)
    {
        this.names = names;
        this.wildcardSuffixes = wildcardSuffixes;
        this.networks = networks;
    }

    public static AllowedHostList Empty { get; } = new([], [], []);

    public bool IsEmpty => names.Count == 0 && wildcardSuffixes.Length == 0 && networks.Length == 0;

    /// <summary>Whether the host name, as written in the URL, is listed by name or wildcard.</summary>
    public bool AllowsName(string host)
    {
        if (IsEmpty)
        {
            return false;
        }

        var name = NormalizeName(host);
        return names.Contains(name) || wildcardSuffixes.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal));
    }

    /// <summary>Whether the address is listed, alone or inside a range.</summary>
    public bool AllowsAddress(IPAddress address)
    {
        address = OutboundAddressPolicy.Normalize(address);
        return networks.Any(network => network.Contains(address));
    }

    /// <summary>Parses the configured entries; the error names every entry that is not valid and says what is.</summary>
    public static Checked<AllowedHostList> Parse(IEnumerable<string?> entries)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var suffixes = new List<string>();
        var networks = new List<IPNetwork>();
        var invalid = new List<string>();
        var index = 0;
        foreach (var raw in entries)
        {
            var entry = raw?.Trim() ?? "";
            if (TryParseNetwork(entry, out var network))
            {
                networks.Add(network);
            }
            else if (entry.StartsWith("*.", StringComparison.Ordinal) && HostName().IsMatch(entry[2..]))
            {
                suffixes.Add("." + NormalizeName(entry[2..]));
            }
            else if (HostName().IsMatch(entry) && !LooksNumeric(entry))
            {
                names.Add(NormalizeName(entry));
            }
            else
            {
                invalid.Add($"{ImportOptions.Section}:AllowedHosts:{index} = '{entry}'");
            }

            index++;
        }

        if (invalid.Count > 0)
        {
            return Checked<AllowedHostList>.Refuse(
                $"{string.Join(", ", invalid)}: not a host name, wildcard, address or CIDR range. " +
                "Write entries such as git.corp.example, *.corp.example, 10.1.2.3, fd00::5 or 10.0.0.0/8 (a range's address must have no bits set past its prefix).");
        }

        return new AllowedHostList(names, [.. suffixes], [.. networks]);
    }

    private static bool TryParseNetwork(string entry, out IPNetwork network)
    {
        network = default;
        var slash = entry.IndexOf('/');
        var addressText = slash < 0 ? entry : entry[..slash];
        if (!IsPlainAddress(addressText, out var address))
        {
            return false;
        }

        address = OutboundAddressPolicy.Normalize(address);
        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0 && (!int.TryParse(entry[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > maxPrefix))
        {
            return false;
        }

        try
        {
            network = new IPNetwork(address, prefix);
            return true;
        }
        catch (ArgumentException)
        {
            // Bits set past the prefix (10.1.0.0/8): almost always a typo, so it is refused rather than widened.
            return false;
        }
    }

    /// <summary>An address as people write them in configuration: dotted-decimal IPv4 with four parts, or IPv6.</summary>
    private static bool IsPlainAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':'))
        {
            return !text.Contains('%') && IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var parts = text.Split('.');
        return parts.Length == 4
               && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255)
               && IPAddress.TryParse(text, out address!);
    }

    /// <summary>"127.1" or "2130706433" would be read as addresses by git and curl: never accept them as names.</summary>
    private static bool LooksNumeric(string entry) => entry.All(c => char.IsAsciiDigit(c) || c == '.') || OutboundAddressPolicy.TryParseNumericHost(entry, out _);

    private static string NormalizeName(string host) => host.TrimEnd('.').ToLowerInvariant();

    [GeneratedRegex(@"^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$")]
    private static partial Regex HostName();
}
