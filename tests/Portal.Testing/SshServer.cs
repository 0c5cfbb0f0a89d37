using System.Diagnostics;

namespace Portal.Testing;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 serving repositories under <see cref="Root"/> to the keys in authorized_keys.
/// sshd logs users in as the account running the tests, so it needs root (as CI runs); <see cref="CanRun"/> says.
/// </summary>
public sealed class SshServer : IDisposable
{
    private readonly string folder;
    private Process? process;

    public SshServer()
    {
        folder = Directory.CreateTempSubdirectory("portal-sshd-").FullName;
        Root = Path.Combine(folder, "repos");
        Directory.CreateDirectory(Root);
        Port = FreePort.Next();
        File.WriteAllText(AuthorizedKeys, "");
        RotateHostKey();
    }

    public static bool CanRun => TestProcess.IsRoot && File.Exists("/usr/sbin/sshd");

    public string Root { get; }

    public int Port { get; }

    private string AuthorizedKeys => Path.Combine(folder, "authorized_keys");

    public string Url(string name) => $"ssh://{Environment.UserName}@127.0.0.1:{Port}{Root}/{name}.git";

    public UpstreamRepository CreateRepository(string name) => new(Root, name);

    public void Authorize(string publicKey) => File.AppendAllText(AuthorizedKeys, publicKey.Trim() + "\n");

    /// <summary>The server's current host key as its admin would publish it: "ssh-ed25519 AAAA… comment".</summary>
    public string HostPublicKey => File.ReadAllText(Path.Combine(folder, "host_ed25519.pub")).Trim();

    /// <summary>Replaces the server's host key (as a reinstalled or impersonated server would) and restarts it.</summary>
    public void RotateHostKey()
    {
        Stop();
        var hostKey = Path.Combine(folder, "host_ed25519");
        File.Delete(hostKey);
        File.Delete(hostKey + ".pub");
        TestProcess.Run("ssh-keygen", folder, ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
        File.WriteAllText(Path.Combine(folder, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {hostKey}
            PidFile {folder}/sshd.pid
            AuthorizedKeysFile {AuthorizedKeys}
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            LogLevel ERROR
            """);
        if (CanRun)
        {
            Directory.CreateDirectory("/run/sshd");
            var start = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in new[] { "-D", "-e", "-f", Path.Combine(folder, "sshd_config") })
            {
                start.ArgumentList.Add(argument);
            }

            process = Process.Start(start)!;
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            GitDaemonServer.WaitForPort(Port);
        }
    }

    private void Stop()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process?.Dispose();
        process = null;
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(folder, recursive: true);
    }
}
