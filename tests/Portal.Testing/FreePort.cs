using System.Net;
using System.Net.Sockets;

namespace Portal.Testing;

public static class FreePort
{
    /// <summary>A port on 127.0.0.1 that was free a moment ago (the OS hands out ports in sequence, so reuse is unlikely).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
