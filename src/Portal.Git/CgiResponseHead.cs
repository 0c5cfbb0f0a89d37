using System.Globalization;
using System.Text;

namespace Portal.Git;

/// <summary>
/// The head of a CGI response (git http-backend's): header lines up to the blank line, with "Status: 404 Not Found"
/// taken out as the status. Read byte by byte so the body that follows stays in the stream, and capped, so a
/// misbehaving program cannot make Portal buffer without end.
/// </summary>
public sealed record CgiResponseHead(int? Status, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public const int MaxBytes = 16 * 1024;

    public static async Task<CgiResponseHead> ReadAsync(Stream output, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (await output.ReadAsync(one, cancellationToken) == 1)
        {
            head.Append((char)one[0]);
            if (head.Length > MaxBytes)
            {
                throw new IOException("The CGI program sent an over-long header.");
            }

            if (EndsWithBlankLine(head))
            {
                break;
            }
        }

        int? status = null;
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in head.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                status = int.TryParse(value.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : null;
            }
            else
            {
                headers.Add(new(name, value));
            }
        }

        return new CgiResponseHead(status, headers);
    }

    private static bool EndsWithBlankLine(StringBuilder text)
    {
        var n = text.Length;
        return (n >= 2 && text[n - 1] == '\n' && text[n - 2] == '\n')
               || (n >= 4 && text[n - 1] == '\n' && text[n - 2] == '\r' && text[n - 3] == '\n' && text[n - 4] == '\r');
    }
}
