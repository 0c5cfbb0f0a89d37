using System.Net;
using System.Net.Sockets;

namespace Portal.Testing;

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards to a local port, passing client-to-server bytes at a limited rate, so a
/// test can be sure an upload is still streaming when it interrupts the server.
/// </summary>
public sealed class ThrottlingProxy : IDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();

    public ThrottlingProxy(int targetPort, int bytesPerTick, TimeSpan tick)
    {
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = AcceptAsync(targetPort, bytesPerTick, tick);
    }

    public int Port { get; }

    private async Task AcceptAsync(int targetPort, int bytesPerTick, TimeSpan tick)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                using (var server = new TcpClient())
                {
                    try
                    {
                        await server.ConnectAsync(IPAddress.Loopback, targetPort, stop.Token);
                        await Task.WhenAny(
                            PumpAsync(client.GetStream(), server.GetStream(), bytesPerTick, tick),
                            PumpAsync(server.GetStream(), client.GetStream(), int.MaxValue, TimeSpan.Zero));
                    }
                    catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
                    {
                        // Either side went away: drop the connection, as a network would.
                    }
                }
            });
        }
    }

    private async Task PumpAsync(Stream from, Stream to, int bytesPerTick, TimeSpan tick)
    {
        var buffer = new byte[Math.Min(bytesPerTick, 64 * 1024)];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, stop.Token)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), stop.Token);
                if (tick > TimeSpan.Zero)
                {
                    await Task.Delay(tick, stop.Token);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Connection closed.
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
    }
}
