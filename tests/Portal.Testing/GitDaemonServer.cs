using System.Diagnostics;
using System.Net.Sockets;

namespace Portal.Testing;

/// <summary>A real <c>git daemon</c> on 127.0.0.1 serving every repository under <see cref="Root"/> over git://.</summary>
public sealed class GitDaemonServer : IDisposable
{
    private readonly Process process;

    public GitDaemonServer()
    {
        Root = Directory.CreateTempSubdirectory("portal-daemon-").FullName;
        Port = FreePort.Next();
        var start = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "daemon", "--reuseaddr", "--export-all", "--informative-errors", $"--base-path={Root}", "--listen=127.0.0.1", $"--port={Port}", Root })
        {
            start.ArgumentList.Add(argument);
        }

        process = Process.Start(start)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        WaitForPort(Port);
    }

    public string Root { get; }

    public int Port { get; }

    public string Url(string name) => $"git://127.0.0.1:{Port}/{name}.git";

    public UpstreamRepository CreateRepository(string name) => new(Root, name);

    internal static void WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"Nothing listens on 127.0.0.1:{port}.");
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
