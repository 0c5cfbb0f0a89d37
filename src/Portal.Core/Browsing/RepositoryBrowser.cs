using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Portal.Git;
using Portal.Core.Hosting;

namespace Portal.Core.Browsing;

/// <summary>
/// Reads what the project pages show, straight from git and only what a page needs: one tree level, one page of
/// history, one file up to a size limit. Nothing walks the whole repository, so 100,000 commits or 5,000 refs cost
/// the same as a handful (the commit-graph written after syncs keeps log fast). Every read goes through
/// <see cref="GitRunner.ReadCappedAsync(GitCommand, string?, int, CancellationToken)"/>: git's output is read up to a cap and git is stopped there, so a commit of
/// twenty 400 MB files costs a page no more memory than a small one.
/// </summary>
public sealed partial class RepositoryBrowser(GitRunner git, DataDirectory dataDir, IOptions<BrowsingOptions> options, BrowsingCache cache)
{
    /// <summary>Files larger than this show their beginning and a notice.</summary>
    public const int MaxDisplayBytes = 512 * 1024;

    /// <summary>Listings (refs, a directory, a page of history, a commit's changed files): far beyond what a page shows.</summary>
    private const int MaxListingBytes = 4 * 1024 * 1024;

    private const int MaxMessageBytes = 256 * 1024;

    /// <summary>rev-parse and cat-file -t/-s answers.</summary>
    private const int MaxShortAnswerBytes = 4 * 1024;

    private const char FieldSeparator = '\u001f';
    private const char RecordSeparator = '\u001e';

    // Names, e-mails and subjects are cut by git itself (%<(N,trunc), padded with spaces we trim), so one commit with
    // a megabyte-long subject cannot fill a page of history.
    private const string SummaryFormat = "%H%x1f%h%x1f%<(200,trunc)%an%x1f%<(200,trunc)%ae%x1f%at%x1f%<(500,trunc)%s";

    public async Task<IReadOnlyList<BranchInfo>> BranchesAsync(long repositoryId, string? defaultBranch, int take, CancellationToken cancellationToken)
    {
        var output = await ReadAsync(repositoryId, GitCommand.Create("for-each-ref").Option("--sort=-committerdate").Option($"--count={Math.Clamp(take, 1, 5000)}")
            .Option("--format=%(refname:strip=2)%1f%(objectname)%1f%(committerdate:unix)%1f%(contents:subject)%1e").Option("refs/heads/"), MaxListingBytes, cancellationToken);
        return [.. Records(output).Where(f => f.Length >= 4).Select(f => new BranchInfo(f[0], f[1], FromUnix(f[2]), f[3], f[0] == defaultBranch))];
    }

    public async Task<IReadOnlyList<TagInfo>> TagsAsync(long repositoryId, int take, CancellationToken cancellationToken)
    {
        var output = await ReadAsync(repositoryId, GitCommand.Create("for-each-ref").Option("--sort=-creatordate").Option($"--count={Math.Clamp(take, 1, 5000)}")
            .Option("--format=%(refname:strip=2)%1f%(objectname)%1f%(creatordate:unix)%1f%(objecttype)%1f%(contents:subject)%1e").Option("refs/tags/"), MaxListingBytes, cancellationToken);
        return [.. Records(output).Where(f => f.Length >= 5).Select(f => new TagInfo(f[0], f[1], FromUnix(f[2]), f[3] == "tag" ? f[4] : null, f[3] == "tag"))];
    }

    /// <summary>The commit a branch, tag or commit id names; null if it names nothing.</summary>
    public async Task<string?> ResolveCommitAsync(long repositoryId, string refOrCommit, CancellationToken cancellationToken)
    {
        if (!IsPlausibleRef(refOrCommit))
        {
            return null;
        }

        var result = await ReadAsync(repositoryId, GitCommand.Create("rev-parse").Option("--verify").Option("--quiet").EndOfOptions().Value(refOrCommit + "^{commit}"), MaxShortAnswerBytes, cancellationToken);
        return result.Succeeded && !result.Truncated ? result.Text.Trim() : null;
    }

    /// <summary>One directory level at a commit, directories first.</summary>
    public async Task<IReadOnlyList<TreeEntry>?> TreeAsync(long repositoryId, string commit, string path, CancellationToken cancellationToken)
    {
        var target = Target(commit, path);
        return await DescribeAsync(repositoryId, target, cancellationToken) is ("tree", _) ? await ListTreeAsync(repositoryId, target, path, cancellationToken) : null;
    }

    /// <summary>
    /// What is at a path of a commit, as the Files tab shows it: a directory's entries or a file's contents (null when
    /// nothing is there). One git process finds out which, one reads it.
    /// </summary>
    public async Task<PathView?> ViewAsync(long repositoryId, string commit, string path, CancellationToken cancellationToken)
    {
        var target = Target(commit, path);
        return await DescribeAsync(repositoryId, target, cancellationToken) switch
        {
            ("tree", _) => new PathView(await ListTreeAsync(repositoryId, target, path, cancellationToken), null),
            ("blob", var size) => new PathView(null, await ReadBlobAsync(repositoryId, target, path, size, cancellationToken)),
            _ => null,
        };
    }

    private async Task<IReadOnlyList<TreeEntry>> ListTreeAsync(long repositoryId, string target, string path, CancellationToken cancellationToken)
    {
        var output = await ReadAsync(repositoryId, GitCommand.Create("ls-tree").Option("-l").Option("-z").EndOfOptions().Value(target), MaxListingBytes, cancellationToken);
        var entries = new List<TreeEntry>();
        foreach (var record in Complete(output, '\0').Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> SP <type> SP <object> SP+ <size> TAB <name>"
            var tab = record.IndexOf('\t');
            var meta = tab < 0 ? [] : record[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (meta.Length < 4)
            {
                continue;
            }

            var name = record[(tab + 1)..];
            var kind = meta[1] switch
            {
                "tree" => TreeEntryKind.Directory,
                "commit" => TreeEntryKind.Submodule,
                _ => meta[0] == "120000" ? TreeEntryKind.Symlink : TreeEntryKind.File,
            };
            long? size = long.TryParse(meta[3], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;
            entries.Add(new TreeEntry(name, path.Length == 0 ? name : $"{path}/{name}", kind, size));
        }

        return [.. entries.OrderBy(e => e.Kind == TreeEntryKind.Directory ? 0 : 1).ThenBy(e => e.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>A file at a commit for display, reading at most <see cref="MaxDisplayBytes"/>.</summary>
    public async Task<BlobView?> BlobAsync(long repositoryId, string commit, string path, CancellationToken cancellationToken)
    {
        var target = Target(commit, path);
        return await DescribeAsync(repositoryId, target, cancellationToken) is ("blob", var size) ? await ReadBlobAsync(repositoryId, target, path, size, cancellationToken) : null;
    }

    private async Task<BlobView> ReadBlobAsync(long repositoryId, string target, string path, long length, CancellationToken cancellationToken)
    {
        var content = await ReadAsync(repositoryId, GitCommand.Create("cat-file").Option("blob").EndOfOptions().Value(target), MaxDisplayBytes, cancellationToken);
        var bytes = content.Bytes;
        var text = Encoding.UTF8.GetString(bytes);
        if (length < 1024 && text.StartsWith("version https://git-lfs.github.com/spec/v1", StringComparison.Ordinal))
        {
            return new BlobView(path, length, BlobKind.LfsPointer, text, false);
        }

        if (Array.IndexOf(bytes, (byte)0, 0, Math.Min(bytes.Length, 8000)) >= 0)
        {
            return new BlobView(path, length, BlobKind.Binary, null, false);
        }

        return new BlobView(path, length, BlobKind.Text, text, length > MaxDisplayBytes);
    }

    /// <summary>
    /// A page of history, newest first with each commit's parents (children before parents, so a branch graph can be
    /// drawn), optionally limited to a path.
    /// </summary>
    public Task<IReadOnlyList<CommitSummary>> LogAsync(long repositoryId, string commit, string? path, int skip, int take, CancellationToken cancellationToken) =>
        LogAsync(repositoryId, [commit], path, skip, take, cancellationToken);

    /// <summary>History of the given revisions ("id", or "id" and "^id" to leave out what the second reaches).</summary>
    private async Task<IReadOnlyList<CommitSummary>> LogAsync(long repositoryId, string[] revisions, string? path, int skip, int take, CancellationToken cancellationToken)
    {
        var command = GitCommand.Create("log").Option("--topo-order").Option($"--skip={Math.Max(0, skip)}").Option($"--max-count={Math.Clamp(take, 1, MaxLogPage)}")
            .Option($"--format={SummaryFormat}%x1f%P%x1e").EndOfOptions();
        foreach (var revision in revisions)
        {
            command.Value(revision);
        }

        if (!string.IsNullOrEmpty(path))
        {
            command.LiteralPaths(path);
        }

        var output = await ReadAsync(repositoryId, command, MaxListingBytes, cancellationToken);
        return [.. Records(output).Where(f => f.Length >= 6).Select(Summary)];
    }

    private const int MaxLogPage = 250;

    /// <summary>
    /// A commit with its changed files and its diff, the diff read up to <see cref="BrowsingOptions.MaxDiffBytes"/>
    /// (git stopped there) and files above <see cref="BrowsingOptions.MaxDiffFileBytes"/> treated as binary.
    /// </summary>
    public async Task<CommitDetail?> CommitAsync(long repositoryId, string commitId, CancellationToken cancellationToken)
    {
        var resolved = await ResolveCommitAsync(repositoryId, commitId, cancellationToken);
        if (resolved is null)
        {
            return null;
        }

        // The message (%B) comes last and may be cut at the cap; it may itself contain the field separator.
        var header = await ReadAsync(repositoryId, GitCommand.Create("show").Option("-s").Option($"--format={SummaryFormat}%x1f%P%x1f%B").EndOfOptions().Value(resolved), MaxMessageBytes, cancellationToken);
        var f = header.Text.Split(FieldSeparator, 8);
        if (!header.Succeeded || f.Length < 8)
        {
            return null;
        }

        var (files, filesTruncated, diff) = await ChangesAsync(repositoryId, [resolved], cancellationToken);
        return new CommitDetail(Summary(f), f[7].Trim() + (header.Truncated ? "…" : ""), f[6].Split(' ', StringSplitOptions.RemoveEmptyEntries), files, filesTruncated, diff);
    }

    /// <summary>
    /// The changed files and the diff of one commit (against its first parent) or between two trees, the diff read up to
    /// <see cref="BrowsingOptions.MaxDiffBytes"/> (git stopped there) and files above <see cref="BrowsingOptions.MaxDiffFileBytes"/> treated as binary.
    /// </summary>
    private async Task<(IReadOnlyList<ChangedFile> Files, bool FilesTruncated, CommitDiff Diff)> ChangesAsync(long repositoryId, string[] revisions, CancellationToken cancellationToken)
    {
        GitCommand Diff(string format)
        {
            var command = DiffTree().Option("-r").Option(format).Option("-z").EndOfOptions();
            foreach (var revision in revisions)
            {
                command.Value(revision);
            }

            return command;
        }

        var numstat = await ReadAsync(repositoryId, Diff("--numstat"), MaxListingBytes, cancellationToken);
        var status = await ReadAsync(repositoryId, Diff("--name-status"), MaxListingBytes, cancellationToken);
        var maxDiffBytes = options.Value.MaxDiffBytes;
        var patch = DiffTree().Option("-p").Option("--no-color").EndOfOptions();
        foreach (var revision in revisions)
        {
            patch.Value(revision);
        }

        var diff = await ReadAsync(repositoryId, patch, maxDiffBytes, cancellationToken);
        return (ParseChangedFiles(Complete(status, '\0'), Complete(numstat, '\0')), numstat.Truncated || status.Truncated,
            new CommitDiff(diff.Succeeded ? diff.Text : "", diff.Truncated, diff.BytesRead, maxDiffBytes));
    }

    /// <summary>The README at the root of a tree, if any: (name, text).</summary>
    public async Task<(string Name, string Text)?> ReadmeAsync(long repositoryId, string commit, IReadOnlyList<TreeEntry> root, CancellationToken cancellationToken)
    {
        var readme = root.Where(e => e.Kind == TreeEntryKind.File && e.Name.StartsWith("readme", StringComparison.OrdinalIgnoreCase))
            .OrderBy(e => e.Name.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .FirstOrDefault();
        if (readme is null)
        {
            return null;
        }

        var blob = await BlobAsync(repositoryId, commit, readme.Path, cancellationToken);
        return blob is { Kind: BlobKind.Text, Text: { } text } ? (readme.Name, text) : null;
    }

    public bool Exists(long repositoryId) => Directory.Exists(Path(repositoryId));

    private static IReadOnlyList<ChangedFile> ParseChangedFiles(string nameStatus, string numstat)
    {
        var counts = new Dictionary<string, (int?, int?)>(StringComparer.Ordinal);
        var parts = numstat.Split('\0');
        for (var i = 0; i < parts.Length; i++)
        {
            var fields = parts[i].Split('\t');
            if (fields.Length < 3)
            {
                continue;
            }

            var name = fields[2];
            if (name.Length == 0 && i + 2 < parts.Length)
            {
                // A rename: "added TAB deleted TAB" NUL old NUL new.
                name = parts[i + 2];
                i += 2;
            }

            counts[name] = (int.TryParse(fields[0], out var a) ? a : null, int.TryParse(fields[1], out var d) ? d : null);
        }

        var files = new List<ChangedFile>();
        var statusParts = nameStatus.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 1 < statusParts.Length; i++)
        {
            var code = statusParts[i];
            var path = statusParts[++i];
            if (code.StartsWith('R') || code.StartsWith('C'))
            {
                if (i + 1 >= statusParts.Length)
                {
                    break;
                }

                path = statusParts[++i];
            }

            counts.TryGetValue(path, out var count);
            files.Add(new ChangedFile(code[..1], path, count.Item1, count.Item2));
        }

        return files;
    }

    private GitCommand DiffTree() =>
        GitCommand.Create("diff-tree").WithConfig("core.bigFileThreshold", options.Value.MaxDiffFileBytes.ToString(CultureInfo.InvariantCulture))
            .Option("-M").Option("--root").Option("--no-commit-id");

    /// <summary>"&lt;commit&gt;:&lt;path&gt;" names a tree or blob; "&lt;commit&gt;:" is the root tree.</summary>
    private static string Target(string commit, string path) => $"{commit}:{path}";

    /// <summary>The type and size of the object a name resolves to, from one cat-file --batch-check; null when it names nothing.</summary>
    private async Task<(string Type, long Size)?> DescribeAsync(long repositoryId, string target, CancellationToken cancellationToken)
    {
        // The name travels on stdin, one per line, and later as an argument: a path holding a line break or another
        // control character cannot be asked for (git's argument guard refuses them).
        if (target.Any(char.IsControl))
        {
            return null;
        }

        var result = await git.RunWithInputAsync(GitCommand.Create("cat-file").Option("--batch-check=%(objecttype) %(objectsize)"), target + "\n", Path(repositoryId), cancellationToken);
        var answer = result.Succeeded ? result.StandardOutput.Trim().Split(' ') : [];
        return answer.Length == 2 && long.TryParse(answer[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? (answer[0], size) : null;
    }

    private Task<GitCappedOutput> ReadAsync(long repositoryId, GitCommand command, int maxBytes, CancellationToken cancellationToken) =>
        git.ReadCappedAsync(command, Path(repositoryId), maxBytes, cancellationToken);

    private string Path(long repositoryId) => dataDir.RepositoryPath(repositoryId);

    /// <summary>The output up to its last complete record: a record cut at the cap is dropped, not shown half.</summary>
    private static string Complete(GitCappedOutput output, char terminator)
    {
        if (!output.Succeeded)
        {
            return "";
        }

        var text = output.Text;
        return output.Truncated ? text[..(text.LastIndexOf(terminator) + 1)] : text;
    }

    private static IEnumerable<string[]> Records(GitCappedOutput output) =>
        Complete(output, RecordSeparator).Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.TrimStart('\n').Split(FieldSeparator))
            .Where(f => f.Length > 1);

    /// <summary>A commit from <see cref="SummaryFormat"/>'s fields, and its parents when a seventh field (%P) follows.</summary>
    private static CommitSummary Summary(string[] f) => new(f[0], f[1], f[2].TrimEnd(' '), f[3].TrimEnd(' '), FromUnix(f[4]), f[5].TrimEnd(' '))
    {
        ParentIds = f.Length > 6 ? f[6].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [],
    };

    private static DateTime FromUnix(string seconds) =>
        long.TryParse(seconds, CultureInfo.InvariantCulture, out var s) ? DateTimeOffset.FromUnixTimeSeconds(s).UtcDateTime : DateTime.MinValue;

    /// <summary>Ref names and ids as a person types them; anything else is not looked up.</summary>
    private static bool IsPlausibleRef(string value) =>
        value.Length is > 0 and <= 255 && !value.StartsWith('-') && !value.Contains("..", StringComparison.Ordinal) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or '+');
}
