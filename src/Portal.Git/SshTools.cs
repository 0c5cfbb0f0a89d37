using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Git;

/// <summary>Deploy keys and host keys, through OpenSSH's own tools.</summary>
public sealed class SshTools(IOptions<GitOptions> options, ILogger<SshTools> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A new ed25519 key pair: (private key in OpenSSH format, public key line).</summary>
    public async Task<(string PrivateKey, string PublicKey)> GenerateDeployKeyAsync(string comment, CancellationToken cancellationToken)
    {
        await using var folder = new PrivateTempFolder(options.Value.TempPath);
        var keyPath = Path.Combine(folder.Path, "key");
        var result = await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", keyPath], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed: {result.Error}");
        }

        return (await File.ReadAllTextAsync(keyPath, cancellationToken), (await File.ReadAllTextAsync(keyPath + ".pub", cancellationToken)).Trim());
    }

    /// <summary>
    /// The host keys an SSH server offers, as known_hosts lines under <paramref name="hostAlias"/> (the name the user gave),
    /// though the scan connects to the checked <paramref name="address"/>.
    /// </summary>
    public async Task<string?> ScanHostKeysAsync(IPAddress address, int port, string hostAlias, CancellationToken cancellationToken)
    {
        var result = await RunAsync("ssh-keyscan", ["-T", "10", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "ed25519,ecdsa,rsa", address.ToString()], cancellationToken);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(' ', 3))
            .Where(parts => parts.Length == 3)
            .Select(parts => $"{hostAlias} {parts[1]} {parts[2]}")
            .Order(StringComparer.Ordinal)
            .ToList();
        return lines.Count == 0 ? null : string.Join('\n', lines) + "\n";
    }

    /// <summary>SHA256 fingerprints of known_hosts lines, e.g. "SHA256:abc… (ED25519)".</summary>
    public async Task<IReadOnlyList<string>> FingerprintsAsync(string knownHosts, CancellationToken cancellationToken)
    {
        await using var folder = new PrivateTempFolder(options.Value.TempPath);
        var file = Path.Combine(folder.Path, "known_hosts");
        await File.WriteAllTextAsync(file, knownHosts, cancellationToken);
        var result = await RunAsync("ssh-keygen", ["-l", "-E", "sha256", "-f", file], cancellationToken);
        return [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length >= 4)
            .Select(parts => $"{parts[1]} {parts[^1]}")];
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["LC_ALL"] = "C";
        var finished = await ChildProcess.RunAsync(start, Timeout, onErrorLine: null, logger, cancellationToken);
        return (finished.ExitCode, finished.Output, finished.Error);
    }
}

/// <summary>
/// A folder only Portal's user can read, in the scratch folder (<see cref="GitOptions.TempPath"/>), removed on dispose. Holds short-lived files
/// OpenSSH insists on reading from disk (a private key, a known_hosts file) for one git invocation.
/// </summary>
public sealed class PrivateTempFolder : IAsyncDisposable
{
    /// <param name="parent">The scratch folder to create it in (<see cref="GitOptions.TempPath"/>).</param>
    public PrivateTempFolder(string parent)
    {
        Path = System.IO.Path.Combine(parent, "ssh-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

    /// <summary>Writes a file readable by its owner only (OpenSSH refuses a private key others can read).</summary>
    public async Task<string> WriteFileAsync(string name, string content, CancellationToken cancellationToken)
    {
        var file = System.IO.Path.Combine(Path, name);
        await using (var stream = new FileStream(file, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(content.AsMemory(), cancellationToken);
        }

        return file;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Housekeeping removes stale ssh-* folders in tmp/.
        }

        return ValueTask.CompletedTask;
    }
}
