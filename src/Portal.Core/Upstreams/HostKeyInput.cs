using System.Text.RegularExpressions;
using Portal.Git;

namespace Portal.Core.Upstreams;

/// <summary>
/// SSH host keys a person gives for an upstream (GitLab's "Input host keys manually"), or the ones the wizard's
/// connection test showed: known_hosts lines ("host type key", as ssh-keyscan prints them) or bare public keys
/// ("type key [comment]", as in /etc/ssh/ssh_host_*.pub). They are rewritten under the upstream's host name, the alias
/// Portal verifies against, and each must be a key OpenSSH itself accepts; anything else is refused, line by line.
/// </summary>
public static partial class HostKeyInput
{
    public const int MaxLength = 16 * 1024;
    public const int MaxKeys = 20;

    /// <summary>known_hosts text to pin, or why the input cannot be used.</summary>
    public static async Task<Outcome<string>> CheckAsync(string input, UpstreamUrl url, SshTools ssh, CancellationToken cancellationToken)
    {
        if (!url.HasHostKeys)
        {
            return PortalError.Invalid("Host keys apply to ssh:// (and user@host:path) upstreams only: leave them out for https://, http:// and git://.");
        }

        if (input.Length > MaxLength)
        {
            return PortalError.Invalid($"The host keys are {input.Length} characters long; Portal accepts at most {MaxLength}.");
        }

        var lines = new List<(int Number, string Line)>();
        var number = 0;
        foreach (var raw in input.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parsed = ParseLine(line, number, url.BareHost);
            if (!parsed.Succeeded)
            {
                return parsed.Error!;
            }

            if (lines.All(l => l.Line != parsed.Value))
            {
                lines.Add((number, parsed.Value!));
            }
        }

        if (lines.Count == 0)
        {
            return PortalError.Invalid("Enter at least one host key, e.g. the output of ssh-keyscan -t ed25519 <host>, or the server's /etc/ssh/ssh_host_ed25519_key.pub.");
        }

        if (lines.Count > MaxKeys)
        {
            return PortalError.Invalid($"Enter at most {MaxKeys} host keys.");
        }

        // OpenSSH decides what a key is: ssh-keygen fingerprints each line it can read and skips the rest.
        var knownHosts = string.Join('\n', lines.Select(l => l.Line)) + "\n";
        if ((await ssh.FingerprintsAsync(knownHosts, cancellationToken)).Count != lines.Count)
        {
            foreach (var (lineNumber, line) in lines)
            {
                if ((await ssh.FingerprintsAsync(line + "\n", cancellationToken)).Count == 0)
                {
                    return PortalError.Invalid($"Line {lineNumber} is not a valid SSH public key ({Shorten(line)}): paste it again as ssh-keyscan prints it.");
                }
            }
        }

        return knownHosts;
    }

    private static Outcome<string> ParseLine(string line, int number, string host)
    {
        if (line.StartsWith('@'))
        {
            return PortalError.Invalid($"Line {number}: known_hosts markers such as @cert-authority and @revoked are not supported: give the server's own host keys.");
        }

        var fields = Whitespace().Split(line);
        if (KeyType().IsMatch(fields[0]))
        {
            // A bare public key: it is this upstream's, since that is where it was entered.
            return fields.Length >= 2 ? $"{host} {fields[0]} {fields[1]}" : Refuse(number, line);
        }

        if (fields.Length < 3 || !KeyType().IsMatch(fields[1]))
        {
            return Refuse(number, line);
        }

        if (!NamesHost(fields[0], host))
        {
            return PortalError.Invalid($"Line {number} is a host key for '{Shorten(fields[0])}', but the upstream's host is '{host}': give the keys of {host}.");
        }

        return $"{host} {fields[1]} {fields[2]}";
    }

    /// <summary>Whether a known_hosts host field ("gitlab.com,1.2.3.4", "[host]:2222" or a hashed "|1|…") covers the upstream host.</summary>
    private static bool NamesHost(string field, string host) =>
        field.Split(',').Any(pattern =>
            pattern.StartsWith("|1|", StringComparison.Ordinal)
            || string.Equals(BracketedHost().Match(pattern) is { Success: true } bracketed ? bracketed.Groups[1].Value : pattern, host, StringComparison.OrdinalIgnoreCase));

    private static PortalError Refuse(int number, string line) =>
        PortalError.Invalid($"Line {number} is not a host key ({Shorten(line)}): use known_hosts lines such as 'gitlab.example.com ssh-ed25519 AAAA…', as ssh-keyscan prints them.");

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "…";

    [GeneratedRegex(@"^(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$")]
    private static partial Regex KeyType();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^\[([^\]]+)\]:\d+$")]
    private static partial Regex BracketedHost();
}
