using System.Globalization;
using System.Text;
using Portal.Core.Git;
using Portal.Core.Hosting;

namespace Portal.Core.Browsing;

/// <summary>
/// Reads what the project pages show, straight from git and only what a page needs: one tree level, one page of
/// history, one file up to a size limit. Nothing walks the whole repository, so 100,000 commits or 5,000 refs cost
/// the same as a handful (the commit-graph written after syncs keeps log fast).
/// </summary>
public sealed class RepositoryBrowser(GitRunner git, DataDirectory dataDir)
{
    /// <summary>Files larger than this show their beginning and a notice.</summary>
    public const int MaxDisplayBytes = 512 * 1024;

    private const int MaxDiffBytes = 1024 * 1024;
    private const char FieldSeparator = '\u001f';
    private const char RecordSeparator = '\u001e';

    public async Task<IReadOnlyList<BranchInfo>> BranchesAsync(long repositoryId, string? defaultBranch, int take, CancellationToken cancellationToken)
    {
        var output = await RunAsync(repositoryId, GitCommand.Create("for-each-ref").Option("--sort=-committerdate").Option($"--count={Math.Clamp(take, 1, 5000)}")
            .Option("--format=%(refname:strip=2)%1f%(objectname)%1f%(committerdate:unix)%1f%(contents:subject)%1e").Option("refs/heads/"), cancellationToken);
        return [.. Records(output).Select(f => new BranchInfo(f[0], f[1], FromUnix(f[2]), f[3], f[0] == defaultBranch))];
    }

    public async Task<IReadOnlyList<TagInfo>> TagsAsync(long repositoryId, int take, CancellationToken cancellationToken)
    {
        var output = await RunAsync(repositoryId, GitCommand.Create("for-each-ref").Option("--sort=-creatordate").Option($"--count={Math.Clamp(take, 1, 5000)}")
            .Option("--format=%(refname:strip=2)%1f%(objectname)%1f%(creatordate:unix)%1f%(objecttype)%1f%(contents:subject)%1e").Option("refs/tags/"), cancellationToken);
        return [.. Records(output).Select(f => new TagInfo(f[0], f[1], FromUnix(f[2]), f[3] == "tag" ? f[4] : null, f[3] == "tag"))];
    }

    /// <summary>The commit a branch, tag or commit id names; null if it names nothing.</summary>
    public async Task<string?> ResolveCommitAsync(long repositoryId, string refOrCommit, CancellationToken cancellationToken)
    {
        if (!IsPlausibleRef(refOrCommit))
        {
            return null;
        }

        var result = await git.RunAsync(GitCommand.Create("rev-parse").Option("--verify").Option("--quiet").EndOfOptions().Value(refOrCommit + "^{commit}"), Path(repositoryId), cancellationToken: cancellationToken);
        return result.Succeeded ? result.StandardOutput.Trim() : null;
    }

    /// <summary>One directory level at a commit, directories first.</summary>
    public async Task<IReadOnlyList<TreeEntry>?> TreeAsync(long repositoryId, string commit, string path, CancellationToken cancellationToken)
    {
        // "<commit>:<path>" names a tree or blob; "<commit>:" is the root tree.
        var target = $"{commit}:{path}";
        var type = await git.RunAsync(GitCommand.Create("cat-file").Option("-t").EndOfOptions().Value(target), Path(repositoryId), cancellationToken: cancellationToken);
        if (!type.Succeeded || type.StandardOutput.Trim() != "tree")
        {
            return null;
        }

        var output = await RunAsync(repositoryId, GitCommand.Create("ls-tree").Option("-l").Option("-z").EndOfOptions().Value(target), cancellationToken);
        var entries = new List<TreeEntry>();
        foreach (var record in output.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> SP <type> SP <object> SP+ <size> TAB <name>"
            var tab = record.IndexOf('\t');
            var meta = record[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
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
        var target = $"{commit}:{path}";
        var size = await git.RunAsync(GitCommand.Create("cat-file").Option("-s").EndOfOptions().Value(target), Path(repositoryId), cancellationToken: cancellationToken);
        var type = await git.RunAsync(GitCommand.Create("cat-file").Option("-t").EndOfOptions().Value(target), Path(repositoryId), cancellationToken: cancellationToken);
        if (!size.Succeeded || type.StandardOutput.Trim() != "blob")
        {
            return null;
        }

        var length = long.Parse(size.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        var bytes = await ReadPrefixAsync(repositoryId, target, (int)Math.Min(length, MaxDisplayBytes), cancellationToken);
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

    /// <summary>A page of history, newest first, optionally limited to a path.</summary>
    public async Task<IReadOnlyList<CommitSummary>> LogAsync(long repositoryId, string commit, string? path, int skip, int take, CancellationToken cancellationToken)
    {
        var command = GitCommand.Create("log").Option($"--skip={Math.Max(0, skip)}").Option($"--max-count={Math.Clamp(take, 1, 200)}")
            .Option("--format=%H%x1f%h%x1f%an%x1f%ae%x1f%at%x1f%s%x1e").EndOfOptions().Value(commit);
        if (!string.IsNullOrEmpty(path))
        {
            command.Paths(path);
        }

        var output = await RunAsync(repositoryId, command, cancellationToken);
        return [.. Records(output).Select(f => new CommitSummary(f[0], f[1], f[2], f[3], FromUnix(f[4]), f[5]))];
    }

    public async Task<CommitDetail?> CommitAsync(long repositoryId, string commitId, CancellationToken cancellationToken)
    {
        var resolved = await ResolveCommitAsync(repositoryId, commitId, cancellationToken);
        if (resolved is null)
        {
            return null;
        }

        var header = await RunAsync(repositoryId, GitCommand.Create("show").Option("-s").Option("--format=%H%x1f%h%x1f%an%x1f%ae%x1f%at%x1f%s%x1f%P%x1f%B%x1e").EndOfOptions().Value(resolved), cancellationToken);
        var f = Records(header).Single();
        var numstat = await RunAsync(repositoryId, GitCommand.Create("diff-tree").Option("-r").Option("-M").Option("--root").Option("--no-commit-id").Option("--numstat").Option("-z").EndOfOptions().Value(resolved), cancellationToken);
        var status = await RunAsync(repositoryId, GitCommand.Create("diff-tree").Option("-r").Option("-M").Option("--root").Option("--no-commit-id").Option("--name-status").Option("-z").EndOfOptions().Value(resolved), cancellationToken);
        var diff = await git.RunAsync(GitCommand.Create("diff-tree").Option("-p").Option("-M").Option("--root").Option("--no-commit-id").Option("--no-color").EndOfOptions().Value(resolved), Path(repositoryId), cancellationToken: cancellationToken);
        var text = diff.StandardOutput;
        var truncated = text.Length > MaxDiffBytes;
        return new CommitDetail(
            new CommitSummary(f[0], f[1], f[2], f[3], FromUnix(f[4]), f[5]),
            f[7].Trim(),
            f[6].Split(' ', StringSplitOptions.RemoveEmptyEntries),
            ParseChangedFiles(status, numstat),
            truncated ? text[..MaxDiffBytes] : text,
            truncated);
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
        for (var i = 0; i < statusParts.Length; i++)
        {
            var code = statusParts[i];
            var path = statusParts[++i];
            if (code.StartsWith('R') || code.StartsWith('C'))
            {
                path = statusParts[++i];
            }

            counts.TryGetValue(path, out var count);
            files.Add(new ChangedFile(code[..1], path, count.Item1, count.Item2));
        }

        return files;
    }

    private async Task<byte[]> ReadPrefixAsync(long repositoryId, string target, int count, CancellationToken cancellationToken)
    {
        await using var process = git.StartStreaming(GitCommand.Create("cat-file").Option("blob").EndOfOptions().Value(target), Path(repositoryId));
        process.Input.Close();
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await process.Output.ReadAsync(buffer.AsMemory(read, count - read), cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read == count ? buffer : buffer[..read];
    }

    private async Task<string> RunAsync(long repositoryId, GitCommand command, CancellationToken cancellationToken)
    {
        var result = await git.RunAsync(command, Path(repositoryId), cancellationToken: cancellationToken);
        return result.Succeeded ? result.StandardOutput : "";
    }

    private string Path(long repositoryId) => dataDir.RepositoryPath(repositoryId);

    private static IEnumerable<string[]> Records(string output) =>
        output.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.TrimStart('\n').Split(FieldSeparator))
            .Where(f => f.Length > 1);

    private static DateTime FromUnix(string seconds) =>
        long.TryParse(seconds, CultureInfo.InvariantCulture, out var s) ? DateTimeOffset.FromUnixTimeSeconds(s).UtcDateTime : DateTime.MinValue;

    /// <summary>Ref names and ids as a person types them; anything else is not looked up.</summary>
    private static bool IsPlausibleRef(string value) =>
        value.Length is > 0 and <= 255 && !value.StartsWith('-') && !value.Contains("..", StringComparison.Ordinal) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or '+');
}
