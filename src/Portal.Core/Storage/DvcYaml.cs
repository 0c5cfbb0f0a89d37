using System.Globalization;
using System.Text;

namespace Portal.Core.Storage;

/// <summary>A YAML node as <see cref="DvcYaml"/> reads it: a mapping, a sequence or a scalar (its text).</summary>
public abstract record YamlNode
{
    /// <summary>The value under <paramref name="key"/> when this is a mapping.</summary>
    public YamlNode? this[string key] => this is YamlMapping mapping ? mapping.Entries.FirstOrDefault(e => e.Key == key).Value : null;

    /// <summary>The text of a scalar; null for anything else.</summary>
    public string? Text => (this as YamlScalar)?.Value;

    public long? Number => long.TryParse(Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}

public sealed record YamlScalar(string Value) : YamlNode;

public sealed record YamlSequence(IReadOnlyList<YamlNode> Items) : YamlNode;

public sealed record YamlMapping(IReadOnlyList<KeyValuePair<string, YamlNode>> Entries) : YamlNode;

/// <summary>
/// A small strict reader for the YAML DVC writes in .dvc files and dvc.lock (block mappings and sequences of plain or
/// quoted scalars; no YAML package is available here). It builds plain nodes and nothing else: no types, tags, anchors
/// or aliases are interpreted (an alias stays its text, so nothing expands), block scalars (<c>cmd: |</c>) and flow
/// collections are kept as text, and the size, depth and node count are capped. Anything it cannot read for sure is a
/// <see cref="FormatException"/>, and the caller shows nothing from that file rather than a guess.
/// </summary>
public sealed class DvcYaml
{
    public const int MaxBytes = 1024 * 1024;
    private const int MaxDepth = 32;
    private const int MaxNodes = 200_000;

    private readonly List<Line> lines;
    private int position;
    private int nodes;

    private DvcYaml(List<Line> lines) => this.lines = lines;

    /// <summary>The document's root node (null for an empty document); throws <see cref="FormatException"/>.</summary>
    public static YamlNode? Parse(string text)
    {
        if (text.Length > MaxBytes)
        {
            throw new FormatException($"The file is larger than {MaxBytes:N0} bytes.");
        }

        var reader = new DvcYaml(Lines(text));
        if (reader.lines.Count == 0)
        {
            return null;
        }

        var root = reader.Block(-1, 0);
        if (reader.position < reader.lines.Count)
        {
            throw reader.Error("unexpected indentation");
        }

        return root;
    }

    private readonly record struct Line(int Number, int Indent, string Text);

    private static List<Line> Lines(string text)
    {
        var result = new List<Line>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            var indent = 0;
            while (indent < line.Length && line[indent] == ' ')
            {
                indent++;
            }

            if (indent < line.Length && line[indent] == '\t')
            {
                throw new FormatException($"line {number}: tabs are not allowed for indentation.");
            }

            var content = StripComment(line[indent..]).TrimEnd();
            if (content.Length == 0 || (indent == 0 && content == "---"))
            {
                continue;
            }

            if (indent == 0 && content == "...")
            {
                break;
            }

            result.Add(new Line(number, indent, content));
        }

        return result;
    }

    /// <summary>The line without a trailing comment: a '#' at the start or after a space, outside quotes.</summary>
    private static string StripComment(string content)
    {
        char? quote = null;
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (quote is { } open)
            {
                if (c == open)
                {
                    quote = null;
                }
                else if (c == '\\' && open == '"')
                {
                    i++;
                }
            }
            else if ((c is '"' or '\'') && (i == 0 || content[i - 1] is ' ' or '[' or '{' or ','))
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || content[i - 1] == ' '))
            {
                return content[..i];
            }
        }

        return content;
    }

    private static bool IsItem(string text) => text == "-" || text.StartsWith("- ", StringComparison.Ordinal);

    private FormatException Error(string message) =>
        new($"line {(position < lines.Count ? lines[position].Number : lines[^1].Number)}: {message}.");

    private void Count(int depth)
    {
        if (++nodes > MaxNodes || depth > MaxDepth)
        {
            throw Error("the document is too large or too deeply nested");
        }
    }

    /// <summary>The node starting at the current line, which is indented more than <paramref name="parentIndent"/>.</summary>
    private YamlNode Block(int parentIndent, int depth)
    {
        Count(depth);
        var line = lines[position];
        if (IsItem(line.Text))
        {
            return Sequence(line.Indent, depth);
        }

        return SplitKey(line.Text) is not null ? Mapping(line.Indent, depth) : new YamlScalar(Scalar(line.Text, parentIndent));
    }

    private YamlSequence Sequence(int indent, int depth)
    {
        var items = new List<YamlNode>();
        while (position < lines.Count && lines[position].Indent == indent && IsItem(lines[position].Text))
        {
            var line = lines[position];
            var rest = line.Text[1..].TrimStart(' ');
            if (rest.Length == 0)
            {
                position++;
                items.Add(position < lines.Count && lines[position].Indent > indent ? Block(indent, depth + 1) : new YamlScalar(""));
                continue;
            }

            // "- key: value" opens a mapping whose keys line up with "key".
            lines[position] = line with { Indent = indent + (line.Text.Length - rest.Length), Text = rest };
            items.Add(Block(indent, depth + 1));
        }

        return new YamlSequence(items);
    }

    private YamlMapping Mapping(int indent, int depth)
    {
        var entries = new List<KeyValuePair<string, YamlNode>>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (position < lines.Count && lines[position].Indent == indent && !IsItem(lines[position].Text))
        {
            if (SplitKey(lines[position].Text) is not ({ } key, { } value))
            {
                throw Error("expected 'key: value'");
            }

            if (!keys.Add(key))
            {
                throw Error($"the key '{key}' appears twice");
            }

            YamlNode node;
            if (value.Length == 0)
            {
                position++;
                node = position < lines.Count && (lines[position].Indent > indent || (lines[position].Indent == indent && IsItem(lines[position].Text)))
                    ? Block(indent, depth + 1)
                    : new YamlScalar("");
            }
            else if (value[0] is '|' or '>')
            {
                position++;
                var text = new StringBuilder();
                while (position < lines.Count && lines[position].Indent > indent)
                {
                    text.Append(lines[position++].Text).Append('\n');
                }

                node = new YamlScalar(text.ToString());
            }
            else
            {
                node = new YamlScalar(Scalar(value, indent));
                Count(depth + 1);
            }

            entries.Add(new(key, node));
        }

        if (position < lines.Count && lines[position].Indent > indent)
        {
            throw Error("unexpected indentation");
        }

        return new YamlMapping(entries);
    }

    /// <summary>A scalar starting with <paramref name="first"/> (the current line), continued on lines indented deeper than <paramref name="indent"/>.</summary>
    private string Scalar(string first, int indent)
    {
        var text = new StringBuilder(first);
        // Quoted, flow and block scalars ("- |") may hold anything on their next lines; plain ones may not.
        var plain = first[0] is not ('"' or '\'' or '[' or '{' or '|' or '>');
        position++;
        while (position < lines.Count && lines[position].Indent > indent)
        {
            // As in YAML, a plain scalar's next line cannot hold a key: it is indented wrongly.
            if (plain && (SplitKey(lines[position].Text) is not null || IsItem(lines[position].Text)))
            {
                throw Error("unexpected indentation");
            }

            text.Append(' ').Append(lines[position++].Text);
        }

        return Unquote(text.ToString());
    }

    /// <summary>"key: value" or "key:" (value empty); null when the line is not a mapping entry.</summary>
    private static (string Key, string Value)? SplitKey(string text)
    {
        if (text[0] is '[' or '{' or '|' or '>' or '&' or '*' or '!' or '%' or '@' or '`')
        {
            return null;
        }

        int end;
        string key;
        if (text[0] is '"' or '\'')
        {
            var close = ClosingQuote(text);
            if (close < 0)
            {
                return null;
            }

            key = Unquote(text[..(close + 1)]);
            end = close + 1;
            if (end >= text.Length || text[end] != ':' || (end + 1 < text.Length && text[end + 1] != ' '))
            {
                return null;
            }
        }
        else
        {
            var colon = text.IndexOf(": ", StringComparison.Ordinal);
            end = colon >= 0 ? colon : text.EndsWith(':') ? text.Length - 1 : -1;
            if (end <= 0)
            {
                return null;
            }

            key = text[..end].TrimEnd();
        }

        return (key, text[(end + 1)..].Trim());
    }

    private static int ClosingQuote(string text)
    {
        var quote = text[0];
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == '\\' && quote == '"')
            {
                i++;
            }
            else if (text[i] == quote)
            {
                if (quote == '\'' && i + 1 < text.Length && text[i + 1] == '\'')
                {
                    i++;
                    continue;
                }

                return i;
            }
        }

        return -1;
    }

    /// <summary>A quoted scalar's content ('' and the common escapes of "…"); anything else as written.</summary>
    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
        {
            return value[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }

        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }

        var result = new StringBuilder();
        for (var i = 1; i < value.Length - 1; i++)
        {
            if (value[i] != '\\' || i + 1 >= value.Length - 1)
            {
                result.Append(value[i]);
                continue;
            }

            var escaped = value[++i];
            if (escaped == 'u' && i + 4 < value.Length - 1 && int.TryParse(value.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                result.Append((char)code);
                i += 4;
                continue;
            }

            result.Append(escaped switch { 'n' => '\n', 't' => '\t', '0' => '\0', 'r' => '\r', _ => escaped });
        }

        return result.ToString();
    }
}
