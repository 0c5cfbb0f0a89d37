using System.Text;
using System.Text.RegularExpressions;
using Portal.Core.Repositories;

namespace Portal.Web.GitHttp;

/// <summary>
/// Reads the command list at the start of a receive-pack request ("old new ref" pkt-lines up to the flush packet),
/// keeping the bytes so they can be passed on to git unchanged, followed by the pack.
/// </summary>
public static partial class ReceivePackCommands
{
    /// <summary>A push naming more refs than fit in this is refused rather than buffered.</summary>
    private const int MaxCommandBytes = 4 * 1024 * 1024;

    public static async Task<(byte[] Raw, IReadOnlyList<PushCommand> Commands)> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        var raw = new MemoryStream();
        var commands = new List<PushCommand>();
        var header = new byte[4];
        while (true)
        {
            await body.ReadExactlyAsync(header, cancellationToken);
            raw.Write(header);
            var length = Convert.ToInt32(Encoding.ASCII.GetString(header), 16);
            if (length == 0)
            {
                break;
            }

            if (length < 4 || raw.Length + length > MaxCommandBytes)
            {
                throw new InvalidDataException("The push's command list is malformed or too long.");
            }

            var payload = new byte[length - 4];
            await body.ReadExactlyAsync(payload, cancellationToken);
            raw.Write(payload);
            var line = Encoding.UTF8.GetString(payload);
            var nul = line.IndexOf('\0');
            var match = Command().Match(nul >= 0 ? line[..nul] : line.TrimEnd('\n'));
            if (match.Success)
            {
                commands.Add(new PushCommand(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value));
            }
        }

        return (raw.ToArray(), commands);
    }

    [GeneratedRegex("^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (refs/[^\\s]+)$")]
    private static partial Regex Command();
}
