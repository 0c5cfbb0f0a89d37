using System.Text;

namespace Portal.Git;

/// <summary>One ref in a receive-pack report: accepted ("ok"), or refused ("ng") with git's reason.</summary>
public sealed record ReportedRef(string RefName, bool Accepted, string? Reason);

/// <summary>
/// The answer of <c>git receive-pack</c> to a push, as the client reads it (gitprotocol-pack, report-status): with
/// side-band, band 1 carries the report's pkt-lines ("unpack ok", then "ok &lt;ref&gt;" or "ng &lt;ref&gt; &lt;reason&gt;" per
/// ref), band 2 the messages the client prints as "remote: …" (hook output, progress), band 3 a fatal error. Portal
/// reads it to learn which refs its own checks accepted, and writes one in the same shape to tell the client what the
/// upstream of a write-through mirror said.
/// </summary>
public sealed record ReceivePackReport(string? Unpack, IReadOnlyList<ReportedRef> Refs, byte[] Messages, string? Fatal)
{
    /// <summary>The largest pkt-line payload; with side-band one byte of it names the band.</summary>
    private const int MaxPayload = 65516;

    public bool UnpackedOk => Unpack == "ok";

    /// <summary>Reads receive-pack's output; malformed output gives a report with no refs (nothing counts as accepted).</summary>
    public static ReceivePackReport Parse(ReadOnlySpan<byte> output, bool sideBand)
    {
        var report = new MemoryStream();
        var messages = new MemoryStream();
        string? fatal = null;
        if (sideBand)
        {
            foreach (var packet in Packets(output))
            {
                if (packet is not { Length: > 0 } payload)
                {
                    continue;
                }

                switch (payload[0])
                {
                    case 1:
                        report.Write(payload, 1, payload.Length - 1);
                        break;
                    case 2:
                        messages.Write(payload, 1, payload.Length - 1);
                        break;
                    case 3:
                        fatal = Encoding.UTF8.GetString(payload, 1, payload.Length - 1).Trim();
                        break;
                }
            }
        }
        else
        {
            report.Write(output);
        }

        string? unpack = null;
        var refs = new List<ReportedRef>();
        foreach (var packet in Packets(report.ToArray()))
        {
            if (packet is null)
            {
                break;
            }

            var line = Encoding.UTF8.GetString(packet).TrimEnd('\n');
            if (line.StartsWith("unpack ", StringComparison.Ordinal))
            {
                unpack = line["unpack ".Length..];
            }
            else if (line.StartsWith("ok ", StringComparison.Ordinal))
            {
                refs.Add(new ReportedRef(line[3..], true, null));
            }
            else if (line.StartsWith("ng ", StringComparison.Ordinal))
            {
                var rest = line[3..];
                var space = rest.IndexOf(' ');
                refs.Add(space < 0 ? new ReportedRef(rest, false, null) : new ReportedRef(rest[..space], false, rest[(space + 1)..]));
            }
        }

        return new ReceivePackReport(unpack, refs, messages.ToArray(), fatal);
    }

    /// <summary>
    /// Writes a report: <paramref name="earlierMessages"/> (band-2 bytes passed on as they came) and
    /// <paramref name="messages"/> first (band 2, one line each), then the report itself (band 1), then the closing
    /// flush; without side-band only the report. <paramref name="maxPacket"/> is 65520 for side-band-64k, 1000 for side-band.
    /// </summary>
    public static void Write(Stream output, bool sideBand, int maxPacket, byte[] earlierMessages, IEnumerable<string> messages, string unpack, IEnumerable<ReportedRef> refs, bool report = true)
    {
        var body = new MemoryStream();
        if (report)
        {
            WritePacket(body, Encoding.UTF8.GetBytes($"unpack {unpack}\n"));
            foreach (var reported in refs)
            {
                WritePacket(body, Encoding.UTF8.GetBytes(reported.Accepted ? $"ok {reported.RefName}\n" : $"ng {reported.RefName} {OneLine(reported.Reason ?? "refused")}\n"));
            }

            body.Write("0000"u8);
        }

        if (!sideBand)
        {
            body.WriteTo(output);
            return;
        }

        var chunk = Math.Min(maxPacket - 5, MaxPayload - 1);
        WriteBand(output, 2, earlierMessages, chunk);
        foreach (var message in messages)
        {
            WriteBand(output, 2, Encoding.UTF8.GetBytes(OneLine(message) + "\n"), chunk);
        }

        WriteBand(output, 1, body.ToArray(), chunk);
        output.Write("0000"u8);
    }

    /// <summary>The pkt-lines of <paramref name="data"/>: payloads, null for a flush; stops at anything malformed.</summary>
    private static List<byte[]?> Packets(ReadOnlySpan<byte> data)
    {
        var packets = new List<byte[]?>();
        var position = 0;
        while (position + 4 <= data.Length)
        {
            if (!int.TryParse(Encoding.ASCII.GetString(data.Slice(position, 4)), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var length))
            {
                break;
            }

            if (length < 4)
            {
                // 0000 flush, 0001 delimiter, 0002 response end.
                packets.Add(null);
                position += 4;
                continue;
            }

            if (position + length > data.Length)
            {
                break;
            }

            packets.Add(data.Slice(position + 4, length - 4).ToArray());
            position += length;
        }

        return packets;
    }

    private static void WriteBand(Stream output, byte band, byte[] data, int chunk)
    {
        for (var offset = 0; offset < data.Length; offset += chunk)
        {
            var length = Math.Min(chunk, data.Length - offset);
            var payload = new byte[length + 1];
            payload[0] = band;
            Array.Copy(data, offset, payload, 1, length);
            WritePacket(output, payload);
        }
    }

    private static void WritePacket(Stream output, byte[] payload)
    {
        output.Write(Encoding.ASCII.GetBytes((payload.Length + 4).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)));
        output.Write(payload);
    }

    /// <summary>Report lines and messages are single lines; a reason never carries control characters to the client's terminal.</summary>
    private static string OneLine(string text) => new([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
}
