using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Portal.Git;
using Portal.Core.Hosting;
using Portal.Outbound;

namespace Portal.Core.Upstreams;

/// <summary>
/// Prepares git to talk to one upstream: checks the address (every time), pins git to it, and hands credentials to git
/// through the environment only. For ssh it pins the host key: the one stored, or on first contact the one scanned.
/// </summary>
public sealed class UpstreamConnector(OutboundAddressPolicy addressPolicy, SshTools ssh, DataDirectory dataDir, IOptions<GitOptions> gitOptions)
{
    public async Task<Outcome<UpstreamSession>> OpenAsync(UpstreamUrl url, UpstreamCredentials credentials, string? pinnedHostKeys, CancellationToken cancellationToken)
    {
        var checkedAddress = await addressPolicy.CheckAsync(url.BareHost, cancellationToken);
        if (!checkedAddress.Succeeded)
        {
            return PortalError.Invalid(checkedAddress.Refusal!);
        }

        var address = checkedAddress.Value!;
        var addressHost = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        switch (url.Scheme)
        {
            case "https" or "http":
                return new UpstreamSession(url.ToString(), address, credentials, command => ApplyHttp(command, url, addressHost, credentials));
            case "git":
                // git:// has no name-based virtual hosting worth keeping: connect to the checked address itself.
                return new UpstreamSession(url.Format(addressHost), address, credentials, _ => { });
            default:
                return await OpenSshAsync(url, address, addressHost, credentials, pinnedHostKeys, cancellationToken);
        }
    }

    /// <summary>
    /// Checks a Git LFS URL a maintainer gives for a mirror like an import URL: https/http only, no credentials in it,
    /// and a host the address policy allows (checked again at every connection). Returns the normalised URL to store.
    /// </summary>
    public async Task<Outcome<string>> CheckLfsUrlAsync(string text, CancellationToken cancellationToken)
    {
        var parsed = LfsEndpoint.ParseExplicit(text);
        if (!parsed.Succeeded)
        {
            return parsed.Error!;
        }

        var checkedAddress = await addressPolicy.CheckAsync(parsed.Value!.Host, cancellationToken);
        return checkedAddress.Succeeded ? parsed.Value.ToString() : PortalError.Invalid($"LFS URL: {checkedAddress.Refusal!}");
    }

    private void ApplyHttp(GitCommand command, UpstreamUrl url, string addressHost, UpstreamCredentials credentials)
    {
        // Pin the name to the checked address, so DNS cannot answer differently for the actual transfer.
        command.WithConfig("http.curloptResolve", $"{url.BareHost}:{url.EffectivePort}:{addressHost}");
        command.WithConfig("http.lowSpeedLimit", "1000");
        command.WithConfig("http.lowSpeedTime", gitOptions.Value.LowSpeedSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (credentials.BasicParameter() is { } basic)
        {
            command.WithConfig("http.extraHeader", $"Authorization: Basic {basic}", secret: true);
            command.WithSecret(credentials.Secret);
        }
    }

    private async Task<Outcome<UpstreamSession>> OpenSshAsync(UpstreamUrl url, IPAddress address, string addressHost, UpstreamCredentials credentials, string? pinnedHostKeys, CancellationToken cancellationToken)
    {
        var hostKeys = pinnedHostKeys;
        string? newlyScanned = null;
        if (string.IsNullOrEmpty(hostKeys))
        {
            newlyScanned = hostKeys = await ssh.ScanHostKeysAsync(address, url.EffectivePort, url.BareHost, cancellationToken);
            if (hostKeys is null)
            {
                return PortalError.Invalid($"Portal could not read an SSH host key from {url.BareHost} port {url.EffectivePort}: check the host and port, and that an SSH server answers there.");
            }
        }

        var folder = new PrivateTempFolder(dataDir.TempPath);
        var knownHosts = await folder.WriteFileAsync("known_hosts", hostKeys, cancellationToken);
        var sshCommand = new StringBuilder("ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=20 -o IdentitiesOnly=yes");
        sshCommand.Append(" -o UserKnownHostsFile=").Append(ShellQuote(knownHosts));
        // Connect to the checked address but verify the host key under the name the user gave.
        sshCommand.Append(" -o HostKeyAlias=").Append(ShellQuote(url.BareHost));
        if (!string.IsNullOrEmpty(credentials.SshPrivateKey))
        {
            var keyFile = await folder.WriteFileAsync("id", credentials.SshPrivateKey.ReplaceLineEndings("\n").TrimEnd('\n') + "\n", cancellationToken);
            sshCommand.Append(" -i ").Append(ShellQuote(keyFile));
        }
        else
        {
            sshCommand.Append(" -o PasswordAuthentication=no -o PubkeyAuthentication=no");
        }

        var command = sshCommand.ToString();
        return new UpstreamSession(url.Format(addressHost), address, credentials, git => git.WithEnvironment("GIT_SSH_COMMAND", command), folder)
        {
            HostKeys = hostKeys,
            NewlyScannedHostKeys = newlyScanned,
        };
    }

    /// <summary>git runs GIT_SSH_COMMAND through sh: every value in it is single-quoted.</summary>
    internal static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>One prepared connection to an upstream; apply it to each git command that talks to the upstream.</summary>
public sealed class UpstreamSession(string remoteUrl, IPAddress address, UpstreamCredentials credentials, Action<GitCommand> apply, PrivateTempFolder? folder = null) : IAsyncDisposable
{
    /// <summary>The URL git is given: for git:// and ssh:// the host is replaced by the checked address.</summary>
    public string RemoteUrl { get; } = remoteUrl;

    public IPAddress Address { get; } = address;

    /// <summary>For ssh: the known_hosts lines in use.</summary>
    public string? HostKeys { get; init; }

    /// <summary>For ssh on first contact: the keys scanned now, to pin once the connection succeeds.</summary>
    public string? NewlyScannedHostKeys { get; init; }

    public GitCommand Apply(GitCommand command)
    {
        apply(command);
        foreach (var secret in credentials.Secrets)
        {
            command.WithSecret(secret);
        }

        return command;
    }

    public ValueTask DisposeAsync() => folder?.DisposeAsync() ?? ValueTask.CompletedTask;
}
