using System.Globalization;
using Portal.Git;

namespace Portal.Core.Browsing;

public sealed partial class RepositoryBrowser
{
    /// <summary>git blame's answer is read up to this (a 512 KB file's blame is about twice its size, plus a header per commit).</summary>
    private const int MaxBlameBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Who last changed each line of a text file at a commit (`git blame --porcelain`), grouped into runs of lines from one
    /// commit. Null when there is no such file; files larger than <see cref="MaxDisplayBytes"/> are not blamed (the
    /// view says so), nor are binary and LFS files.
    /// </summary>
    public async Task<BlameView?> BlameAsync(long repositoryId, string commit, string path, CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(repositoryId, commit, path, cancellationToken);
        if (blob is not { Kind: BlobKind.Text })
        {
            return null;
        }

        if (blob.Truncated)
        {
            return new BlameView(path, [], Truncated: true);
        }

        // git blame (2.39) knows no --end-of-options: the commit is a resolved id (checked, and Value refuses a leading '-'), the path comes after "--".
        if (commit.Length != 40 || !commit.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        var output = await ReadAsync(repositoryId, GitCommand.Create("blame").Option("--porcelain").Value(commit).LiteralPaths(path), MaxBlameBytes, cancellationToken);
        return output.Succeeded ? new BlameView(path, ParseBlame(Complete(output, '\n')), output.Truncated) : null;
    }

    /// <summary>
    /// Porcelain blame: per line "&lt;commit&gt; &lt;original line&gt; &lt;final line&gt; [&lt;lines in group&gt;]", the
    /// commit's headers ("author …", "author-mail …", "author-time …", "summary …") the first time it appears, then the
    /// line itself after a tab.
    /// </summary>
    internal static IReadOnlyList<BlameChunk> ParseBlame(string porcelain)
    {
        var commits = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var chunks = new List<BlameChunk>();
        string? id = null;
        var finalLine = 0;
        List<string>? lines = null;
        string? chunkId = null;
        var chunkStart = 0;

        void Close()
        {
            if (chunkId is not null && lines is { Count: > 0 })
            {
                chunks.Add(new BlameChunk(BlameCommit(chunkId, commits[chunkId]), chunkStart, lines));
            }
        }

        foreach (var line in porcelain.Split('\n'))
        {
            if (line.StartsWith('\t'))
            {
                if (id is null)
                {
                    continue;
                }

                if (id != chunkId || finalLine != chunkStart + lines!.Count)
                {
                    Close();
                    (chunkId, chunkStart, lines) = (id, finalLine, []);
                }

                lines!.Add(line[1..]);
                id = null;
                continue;
            }

            var space = line.IndexOf(' ');
            var first = space < 0 ? line : line[..space];
            if (id is null && first.Length == 40 && first.All(char.IsAsciiHexDigitLower))
            {
                var numbers = line.Split(' ');
                id = first;
                finalLine = numbers.Length > 2 && int.TryParse(numbers[2], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : finalLine + 1;
                commits.TryAdd(id, new Dictionary<string, string>(StringComparer.Ordinal));
            }
            else if (id is not null && space > 0)
            {
                commits[id].TryAdd(first, line[(space + 1)..]);
            }
        }

        Close();
        return chunks;
    }

    private static CommitSummary BlameCommit(string id, IReadOnlyDictionary<string, string> headers) => new(
        id,
        id[..7],
        headers.GetValueOrDefault("author", ""),
        headers.GetValueOrDefault("author-mail", "").Trim('<', '>'),
        FromUnix(headers.GetValueOrDefault("author-time", "")),
        headers.GetValueOrDefault("summary", ""));
}
