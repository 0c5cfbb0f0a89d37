using System.Net;
using Microsoft.Extensions.Options;

namespace Portal.Web.Hosting;

/// <summary>
/// Settings under <c>Portal</c> for running behind a reverse proxy: the address people use (<c>Portal:PublicUrl</c>)
/// and the proxies whose X-Forwarded-* headers are believed (<c>Portal:KnownProxies</c>; nobody else's are).
/// </summary>
public sealed class ReverseProxyOptions
{
    /// <summary>e.g. https://git.example.com: the base of every clone URL, LFS href and link Portal hands out. Unset: the request's own.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Addresses (10.0.0.5) or CIDR ranges (10.0.0.0/24) of the proxies in front of Portal.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>The public URL without a trailing slash, or null when none is configured. Valid once options validation passed.</summary>
    public string? PublicBase => string.IsNullOrWhiteSpace(PublicUrl) ? null : new Uri(PublicUrl.Trim()).GetLeftPart(UriPartial.Authority);

    /// <summary>Each known proxy as an address range: a single address is a /32 (or /128).</summary>
    public IEnumerable<System.Net.IPNetwork> ProxyNetworks() => KnownProxies.Select(entry => ParseProxy(entry)!.Value);

    internal static System.Net.IPNetwork? ParseProxy(string entry)
    {
        var text = entry.Trim();
        if (System.Net.IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        return IPAddress.TryParse(text, out var address)
            ? new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8)
            : null;
    }
}

/// <summary>Refuses to start with a public URL or proxy list that cannot mean what the admin intended.</summary>
public sealed class ReverseProxyOptionsValidator : IValidateOptions<ReverseProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ReverseProxyOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.PublicUrl))
        {
            var text = options.PublicUrl.Trim();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || string.IsNullOrEmpty(url.Host))
            {
                failures.Add($"Portal:PublicUrl '{text}' is not an absolute http:// or https:// URL: set it to the address people use, e.g. https://git.example.com.");
            }
            else if (url.Query.Length > 0 || url.Fragment.Length > 0 || text.Contains('?') || text.Contains('#') || url.UserInfo.Length > 0)
            {
                failures.Add($"Portal:PublicUrl '{text}' may not carry a query, a fragment or a user name: give just scheme://host[:port].");
            }
            else if (url.AbsolutePath != "/")
            {
                failures.Add($"Portal:PublicUrl '{text}' has a path: Portal must be served at the root of its host name, e.g. https://git.example.com.");
            }
        }

        foreach (var entry in options.KnownProxies)
        {
            if (ReverseProxyOptions.ParseProxy(entry) is null)
            {
                failures.Add($"Portal:KnownProxies entry '{entry}' is neither an IP address nor a CIDR range (e.g. 10.0.0.5 or 10.0.0.0/24).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
