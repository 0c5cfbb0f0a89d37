using System.Net;
using System.Net.Sockets;

namespace Portal.Outbound;

/// <summary>Resolves host names for <see cref="OutboundAddressPolicy"/>; tests substitute answers (e.g. a name resolving to 10.0.0.1).</summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

public sealed class DnsHostResolver : IHostResolver
{
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return [];
        }
    }
}
