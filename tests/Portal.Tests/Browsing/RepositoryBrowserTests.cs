using Microsoft.Extensions.Options;
using Portal.Core.Browsing;
using Portal.Git;
using Portal.Core.Hosting;
using Portal.Testing;

namespace Portal.Tests.Browsing;

/// <summary>The read side of the project pages, on a real repository built with git.</summary>
public sealed class RepositoryBrowserTests : IDisposable
{
    private const long RepositoryId = 7;
    private readonly string dataRoot = Directory.CreateTempSubdirectory("portal-browse-").FullName;
    private readonly RepositoryBrowser browser;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> gitLog = new();
    private readonly string work;

    public RepositoryBrowserTests()
    {
        var dataDir = new DataDirectory(dataRoot);
        dataDir.EnsureCreated();
        browser = new RepositoryBrowser(new GitRunner(Options.Create(new GitOptions { HomePath = dataDir.GitHomePath, TempPath = dataDir.TempPath }), new ForwardingLogger(new Infrastructure.CollectingLoggerProvider(gitLog).CreateLogger("git"))), dataDir, Options.Create(new BrowsingOptions()), new BrowsingCache());
        work = Path.Combine(dataRoot, "work");
        TestGit.Run(dataRoot, "init", "--quiet", "--initial-branch=main", work);
        Write("README.md", "# Hello\n");
        Write("src/app.py", string.Concat(Enumerable.Range(0, 20).Select(i => $"print({i})\n")));
        File.WriteAllBytes(Path.Combine(work, "image.bin"), [0x89, 0x50, 0x4E, 0x47, 0, 0, 1, 2]);
        Write("model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:" + new string('a', 64) + "\nsize 123456\n");
        Write("big.txt", string.Concat(Enumerable.Repeat("0123456789abcdef\n", 40_000)));
        Commit("First");
        TestGit.Run(work, "mv", "src/app.py", "src/main.py");
        Write("src/main.py", string.Concat(Enumerable.Range(0, 20).Select(i => $"print({i})\n")) + "print('there')\n");
        Commit("Rename app to main");
        for (var i = 0; i < 5; i++)
        {
            Write($"notes/{i}.txt", $"{i}\n");
            Commit($"Note {i}");
        }

        TestGit.Run(work, "tag", "-a", "v1", "-m", "Version one");
        TestGit.Run(dataRoot, "clone", "--quiet", "--bare", work, dataDir.RepositoryPath(RepositoryId));
    }

    private void Write(string path, string content)
    {
        var full = Path.Combine(work, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    private void Commit(string message)
    {
        TestGit.Run(work, "add", "-A");
        TestGit.Run(work, "commit", "--quiet", "-m", message);
    }

    private async Task<string?> HeadAsync() => await browser.ResolveCommitAsync(RepositoryId, "main", default);

    [Fact]
    public async Task ViewingAFileOrADirectory_RunsGitTwice_OnceToSeeWhatIsThere_OnceToReadIt()
    {
        var commit = (await browser.ResolveCommitAsync(RepositoryId, "main", CancellationToken.None))!;
        gitLog.Clear();
        var file = await browser.ViewAsync(RepositoryId, commit, "README.md", CancellationToken.None);
        var fileRuns = GitRuns();
        gitLog.Clear();
        var directory = await browser.ViewAsync(RepositoryId, commit, "src", CancellationToken.None);
        var directoryRuns = GitRuns();
        var nothing = await browser.ViewAsync(RepositoryId, commit, "no/such/path", CancellationToken.None);

        Assert.Equal("# Hello\n", file!.Blob!.Text);
        Assert.Null(file.Entries);
        Assert.Contains(directory!.Entries!, e => e.Name == "main.py");
        Assert.Null(nothing);
        Assert.Equal(2, fileRuns);
        Assert.Equal(2, directoryRuns);
    }

    private int GitRuns() => gitLog.Count(line => line.Contains(" exited ", StringComparison.Ordinal) || line.Contains("started (streaming)", StringComparison.Ordinal));

    /// <summary>GitRunner wants an ILogger of its own type; this passes its lines to the collecting logger.</summary>
    private sealed class ForwardingLogger(Microsoft.Extensions.Logging.ILogger inner) : Microsoft.Extensions.Logging.ILogger<GitRunner>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }

    [Fact]
    public async Task Tree_ListsDirectoriesFirst_WithSizes()
    {
        var tree = (await browser.TreeAsync(RepositoryId, (await HeadAsync())!, "", default))!;

        Assert.Equal(["notes", "src", "big.txt", "image.bin", "model.bin", "README.md"], tree.Select(e => e.Name));
        Assert.Equal(TreeEntryKind.Directory, tree[0].Kind);
        Assert.Equal(8, tree.Single(e => e.Name == "image.bin").Size);
        Assert.Equal(["src/main.py"], (await browser.TreeAsync(RepositoryId, (await HeadAsync())!, "src", default))!.Select(e => e.Path));
        Assert.Null(await browser.TreeAsync(RepositoryId, (await HeadAsync())!, "README.md", default));
    }

    [Fact]
    public async Task Blobs_AreLabelled_TextBinaryAndLfs_AndLargeFilesTruncated()
    {
        var head = (await HeadAsync())!;

        var text = await browser.BlobAsync(RepositoryId, head, "README.md", default);
        var binary = await browser.BlobAsync(RepositoryId, head, "image.bin", default);
        var lfs = await browser.BlobAsync(RepositoryId, head, "model.bin", default);
        var big = await browser.BlobAsync(RepositoryId, head, "big.txt", default);

        Assert.Equal((BlobKind.Text, "# Hello\n"), (text!.Kind, text.Text));
        Assert.Equal(BlobKind.Binary, binary!.Kind);
        Assert.Null(binary.Text);
        Assert.Equal(BlobKind.LfsPointer, lfs!.Kind);
        Assert.True(big!.Truncated);
        Assert.Equal(17 * 40_000, big.Size);
        Assert.Equal(RepositoryBrowser.MaxDisplayBytes, big.Text!.Length);
        Assert.Null(await browser.BlobAsync(RepositoryId, head, "missing.txt", default));
    }

    [Fact]
    public async Task Log_Pages_NewestFirst()
    {
        var head = (await HeadAsync())!;

        var first = await browser.LogAsync(RepositoryId, head, null, 0, 3, default);
        var second = await browser.LogAsync(RepositoryId, head, null, 3, 3, default);
        var onlySrc = await browser.LogAsync(RepositoryId, head, "src", 0, 10, default);

        Assert.Equal(["Note 4", "Note 3", "Note 2"], first.Select(c => c.Subject));
        Assert.Equal(["Note 1", "Note 0", "Rename app to main"], second.Select(c => c.Subject));
        Assert.Equal(["Rename app to main", "First"], onlySrc.Select(c => c.Subject));
    }

    [Fact]
    public async Task Commit_ShowsChangedFiles_WithRenamesAndCounts()
    {
        var rename = (await browser.LogAsync(RepositoryId, (await HeadAsync())!, "src", 0, 1, default))[0];

        var detail = await browser.CommitAsync(RepositoryId, rename.Id, default);

        var file = Assert.Single(detail!.Files);
        Assert.Equal(("R", "src/main.py", 1, 0), (file.Status, file.Path, file.Added, file.Deleted));
        Assert.Contains("+print('there')", detail.Diff.Text);
        Assert.Single(detail.ParentIds);
    }

    [Fact]
    public async Task RefsAndResolution()
    {
        var branches = await browser.BranchesAsync(RepositoryId, "main", 10, default);
        var tags = await browser.TagsAsync(RepositoryId, 10, default);

        Assert.True(Assert.Single(branches).IsDefault);
        Assert.Equal(("v1", "Version one", true), (tags[0].Name, tags[0].Message, tags[0].Annotated));
        Assert.Equal(await HeadAsync(), await browser.ResolveCommitAsync(RepositoryId, "v1", default));
        Assert.Null(await browser.ResolveCommitAsync(RepositoryId, "--output=/tmp/x", default));
        Assert.Null(await browser.ResolveCommitAsync(RepositoryId, "main..v1", default));
        Assert.Null(await browser.ResolveCommitAsync(RepositoryId, "no-such-branch", default));
    }

    public void Dispose() => Directory.Delete(dataRoot, recursive: true);
}
