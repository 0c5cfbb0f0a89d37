namespace Portal.Git;

/// <summary>How a remote answered one ref of a <c>git push --porcelain</c>: accepted (or already so), or rejected and why.</summary>
public sealed record PushedRef(string RefName, bool Accepted, string Summary);

/// <summary>
/// Reads <c>git push --porcelain</c> output: after "To &lt;url&gt;", one line per ref, "&lt;flag&gt;\t&lt;from&gt;:&lt;to&gt;\t&lt;summary&gt;",
/// where the flag '!' means rejected (" [rejected] (stale info)", "[remote rejected] (pre-receive hook declined)") and
/// ' ', '+', '-', '*', '=' mean updated, forced, deleted, created, already up to date.
/// </summary>
public static class PushPorcelain
{
    public static IReadOnlyDictionary<string, PushedRef> Parse(string output)
    {
        var refs = new Dictionary<string, PushedRef>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var fields = line.TrimEnd('\r').Split('\t');
            if (fields.Length != 3 || fields[0].Length != 1 || fields[0][0] is not (' ' or '+' or '-' or '*' or '=' or '!'))
            {
                continue;
            }

            var colon = fields[1].LastIndexOf(':');
            var name = colon >= 0 ? fields[1][(colon + 1)..] : fields[1];
            if (name.StartsWith("refs/", StringComparison.Ordinal))
            {
                refs[name] = new PushedRef(name, fields[0] != "!", fields[2].Trim());
            }
        }

        return refs;
    }
}
