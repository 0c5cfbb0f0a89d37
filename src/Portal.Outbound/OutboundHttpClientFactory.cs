using System.Net;
using System.Net.Sockets;

namespace Portal.Outbound;

/// <summary>
/// The one door for Portal's own outbound HTTP (Git LFS downloads for mirrors today; webhooks and push mirrors later).
/// Every connection the clients open is made here: the host is resolved once, every address it resolves to passes
/// <see cref="OutboundAddressPolicy"/>, and the socket connects to exactly the address that was checked, so a DNS
/// answer that changes between check and connect (rebinding) cannot move the connection. TLS still verifies the
/// certificate against the host name of the URL.
/// <para>
/// Redirects are never followed automatically (a caller that wants them follows them by hand, each hop a new request
/// through this door, and decides which headers go to the new origin); no proxy from the environment, no cookies,
/// no automatic credentials, no transparent decompression (callers count the bytes they receive).
/// </para>
/// Use: inject this singleton and call <see cref="CreateClient"/>; dispose the client, not the factory.
/// </summary>
public sealed class OutboundHttpClientFactory : IDisposable
{
    /// <summary>How long a TCP connect (and TLS handshake) may take.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The default time from sending a request to its response headers; bodies are bounded by the caller.</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromMinutes(2);

    private readonly OutboundAddressPolicy policy;
    private readonly SocketsHttpHandler handler;

    public OutboundHttpClientFactory(OutboundAddressPolicy policy)
    {
        this.policy = policy;
        handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            ConnectTimeout = ConnectTimeout,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            Credentials = null,
            PreAuthenticate = false,
            AutomaticDecompression = DecompressionMethods.None,
            // Pooled connections stay pinned to the address checked when they opened; renewing them re-checks DNS.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
            MaxResponseHeadersLength = 64,
        };
    }

    /// <summary>A client whose every connection is checked and pinned. <paramref name="responseTimeout"/> bounds the wait for response headers.</summary>
    public HttpClient CreateClient(TimeSpan? responseTimeout = null) =>
        new(handler, disposeHandler: false) { Timeout = responseTimeout ?? DefaultResponseTimeout };

    /// <summary>The refusal behind a failed request, if the address policy refused the connection.</summary>
    public static OutboundConnectionRefusedException? RefusalIn(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is OutboundConnectionRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var checkedAddress = await policy.CheckAsync(endpoint.Host, cancellationToken);
        if (!checkedAddress.Succeeded)
        {
            throw new OutboundConnectionRefusedException(checkedAddress.Refusal!);
        }

        // Connect to the IP end point itself: a DnsEndPoint here would resolve the name a second time.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(checkedAddress.Value!, endpoint.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => handler.Dispose();
}

/// <summary>The address policy refused a connection; the message says why and what an admin can do.</summary>
public sealed class OutboundConnectionRefusedException(string message) : IOException(message);
