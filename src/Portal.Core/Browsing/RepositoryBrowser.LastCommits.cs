using System.Text;
using Portal.Git;

namespace Portal.Core.Browsing;

public sealed partial class RepositoryBrowser
{
    /// <summary>
    /// How much history one directory listing may read: about 4,000 commits of three files each. A directory whose
    /// entries all changed within that (nearly every directory) costs one git process that stops as soon as the last
    /// entry is found.
    /// </summary>
    internal const int MaxLastCommitScanBytes = 512 * 1024;

    /// <summary>Entries the bounded walk did not reach that are then asked for one by one (git's changed-path filters make each quick).</summary>
    internal const int MaxEntriesAskedAlone = 8;

    /// <summary>
    /// The last commit that changed each of <paramref name="entries"/> (one directory level at <paramref name="commit"/>),
    /// as GitHub, GitLab and Gitea show beside each file. One `git log --name-only` walks back from the commit, limited
    /// to the directory, and is stopped as soon as every entry has been seen (or at <see cref="MaxLastCommitScanBytes"/>);
    /// a few entries it did not reach are asked for alone. Cached by (commit, path): the answer cannot change.
    /// </summary>
    public Task<LastCommits> LastCommitsAsync(long repositoryId, string commit, string path, IReadOnlyList<TreeEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return Task.FromResult(LastCommits.None);
        }

        return cache.GetOrAddAsync("last-commits", repositoryId, commit, path, () => ScanLastCommitsAsync(repositoryId, commit, path, entries, cancellationToken), found => found.ByName.Count > 0);
    }

    private async Task<LastCommits> ScanLastCommitsAsync(long repositoryId, string commit, string path, IReadOnlyList<TreeEntry> entries, CancellationToken cancellationToken)
    {
        var scanner = new LastCommitScanner(path, entries.Select(e => e.Name));
        var walk = GitCommand.Create("log").Option($"--format=%x1e{SummaryFormat}").Option("--name-only").Option("-z").EndOfOptions().Value(commit);
        if (path.Length > 0)
        {
            walk.LiteralPaths(path);
        }

        var output = await git.ReadCappedAsync(walk, Path(repositoryId), MaxLastCommitScanBytes, chunk => scanner.Feed(chunk.Span), cancellationToken);
        if (!output.Succeeded)
        {
            return LastCommits.None;
        }

        var found = new Dictionary<string, CommitSummary>(scanner.Found, StringComparer.Ordinal);
        var missing = entries.Where(e => !found.ContainsKey(e.Name)).ToList();
        foreach (var entry in missing.Take(output.Truncated ? MaxEntriesAskedAlone : 0))
        {
            var one = await ReadAsync(repositoryId, GitCommand.Create("log").Option("--max-count=1").Option($"--format={SummaryFormat}%x1e").EndOfOptions().Value(commit).LiteralPaths(entry.Path), MaxShortAnswerBytes, cancellationToken);
            if (Records(one).FirstOrDefault(f => f.Length >= 6) is { } fields)
            {
                found[entry.Name] = Summary(fields);
            }
        }

        return new LastCommits(scanner.Latest, found, found.Count == entries.Count);
    }

    /// <summary>
    /// Reads `git log --format=%x1e… --name-only -z` as it streams: a commit's fields after U+001E, then the paths it
    /// changed, each ending in NUL (the first after a line break). Remembers, for each entry name, the first (newest)
    /// commit that changed a path at or below it, and says when every entry has one.
    /// </summary>
    private sealed class LastCommitScanner(string directory, IEnumerable<string> names)
    {
        private readonly HashSet<string> wanted = new(names, StringComparer.Ordinal);
        private readonly Dictionary<string, CommitSummary> found = new(StringComparer.Ordinal);
        private readonly MemoryStream pending = new();
        private readonly string prefix = directory.Length == 0 ? "" : directory + "/";
        private CommitSummary? current;

        public IReadOnlyDictionary<string, CommitSummary> Found => found;

        /// <summary>The newest commit that changed anything in the directory.</summary>
        public CommitSummary? Latest { get; private set; }

        /// <summary>Takes the next chunk of output; true once every entry has its commit.</summary>
        public bool Feed(ReadOnlySpan<byte> chunk)
        {
            while (!chunk.IsEmpty)
            {
                var end = chunk.IndexOf((byte)0);
                if (end < 0)
                {
                    pending.Write(chunk);
                    break;
                }

                pending.Write(chunk[..end]);
                Take(Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length));
                pending.SetLength(0);
                chunk = chunk[(end + 1)..];
            }

            return found.Count == wanted.Count;
        }

        private void Take(string token)
        {
            if (token.StartsWith(RecordSeparator))
            {
                var fields = token[1..].Split(FieldSeparator);
                current = fields.Length >= 6 ? Summary(fields) : null;
                Latest ??= current;
                return;
            }

            var changed = token.StartsWith('\n') ? token[1..] : token;
            if (current is null || !changed.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }

            var rest = changed[prefix.Length..];
            var slash = rest.IndexOf('/');
            var name = slash < 0 ? rest : rest[..slash];
            if (wanted.Contains(name))
            {
                found.TryAdd(name, current);
            }
        }
    }
}
