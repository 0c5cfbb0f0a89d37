using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Browsing;
using Portal.Core.Hosting;
using Portal.Git;
using Portal.Testing;

namespace Portal.Tests.Browsing;

/// <summary>
/// What GitLab, Gitea and DagsHub users expect of the project pages, read from real repositories: each entry's last
/// commit, blame, history of a path, commit counts, comparing refs, the language bar and raw files.
/// </summary>
public sealed class HistoryReadsTests : IDisposable
{
    private const long RepositoryId = 3;
    private readonly string dataRoot = Directory.CreateTempSubdirectory("portal-history-").FullName;
    private readonly DataDirectory dataDir;
    private readonly ConcurrentQueue<string> gitLog = new();
    private readonly string work;
    private readonly Dictionary<string, string> commits = [];

    public HistoryReadsTests()
    {
        dataDir = new DataDirectory(dataRoot);
        dataDir.EnsureCreated();
        work = Path.Combine(dataRoot, "work");
        TestGit.Run(dataRoot, "init", "--quiet", "--initial-branch=main", work);
        Write("README.md", "# Project\n");
        Write("src/app.py", "a = 1\nb = 2\nc = 3\n");
        Write("src/lib/util.cs", "class Util {}\n");
        Write("docs/guide.md", "Guide\n");
        Write("vendor/jquery.js", new string('x', 5000) + "\n");
        Write("star*.txt", "a star\n");
        Write("starX.txt", "not a star\n");
        Commit("first");
        Write("src/app.py", "a = 1\nb = 20\nc = 3\n");
        Commit("change b");
        Write("docs/guide.md", "Guide, longer\n");
        Commit("docs");
        TestGit.Run(work, "checkout", "--quiet", "-b", "feature");
        Write("src/feature.py", "print('feature')\n");
        Commit("feature one");
        Write("src/feature.py", "print('feature two')\n");
        Commit("feature two");
        TestGit.Run(work, "checkout", "--quiet", "main");
        Write("starX.txt", "still not a star\n");
        Commit("main moves on");
        TestGit.Run(work, "merge", "--quiet", "--no-ff", "-m", "merge feature", "feature");
        commits["merge"] = TestGit.Run(work, "rev-parse", "HEAD").Trim();
        TestGit.Run(work, "checkout", "--quiet", "-b", "topic", commits["docs"]);
        Write("topic.txt", "topic\n");
        Commit("topic work");
        TestGit.Run(work, "checkout", "--quiet", "main");
        TestGit.Run(dataRoot, "clone", "--quiet", "--bare", work, dataDir.RepositoryPath(RepositoryId));
        TestGit.Run(dataDir.RepositoryPath(RepositoryId), "commit-graph", "write", "--reachable", "--changed-paths");
    }

    private RepositoryBrowser Browser(long maxRawBytes = 512L * 1024 * 1024) => new(
        new GitRunner(Options.Create(new GitOptions { HomePath = dataDir.GitHomePath, TempPath = dataDir.TempPath }), new Logger<GitRunner>(new LoggerFactory([new Infrastructure.CollectingLoggerProvider(gitLog)]))),
        dataDir,
        Options.Create(new BrowsingOptions { MaxRawBytes = maxRawBytes }),
        new BrowsingCache());

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
        commits[message] = TestGit.Run(work, "rev-parse", "HEAD").Trim();
    }

    private async Task<(RepositoryBrowser Browser, string Head)> MainAsync()
    {
        var browser = Browser();
        return (browser, (await browser.ResolveCommitAsync(RepositoryId, "main", default))!);
    }

    [Fact]
    public async Task LastCommits_GiveEachEntryTheNewestCommitThatChangedIt()
    {
        var (browser, head) = await MainAsync();
        var root = (await browser.TreeAsync(RepositoryId, head, "", default))!;
        var src = (await browser.TreeAsync(RepositoryId, head, "src", default))!;

        var atRoot = await browser.LastCommitsAsync(RepositoryId, head, "", root, default);
        var inSrc = await browser.LastCommitsAsync(RepositoryId, head, "src", src, default);

        Assert.True(atRoot.Complete);
        Assert.Equal(commits["first"], atRoot.ByName["README.md"].Id);
        Assert.Equal(commits["docs"], atRoot.ByName["docs"].Id);
        Assert.Equal(commits["main moves on"], atRoot.ByName["starX.txt"].Id);
        // A change that came in through a merge is the side branch's own commit, as on GitHub.
        Assert.Equal(commits["feature two"], atRoot.ByName["src"].Id);
        Assert.Equal("feature two", atRoot.ByName["src"].Subject);
        Assert.Equal(commits["merge"], atRoot.Latest!.Id);
        Assert.Equal(commits["change b"], inSrc.ByName["app.py"].Id);
        Assert.Equal(commits["first"], inSrc.ByName["lib"].Id);
        Assert.Equal(commits["feature two"], inSrc.ByName["feature.py"].Id);
        Assert.Equal(commits["feature two"], inSrc.Latest!.Id);
    }

    [Fact]
    public async Task LastCommits_OneGitProcess_StoppedOnceEveryEntryIsFound_AndTheAnswerIsCached()
    {
        // 3,000 commits that change only notes/, on top of the files: the walk needs only the newest few.
        var fastImport = new StringBuilder();
        for (var i = 0; i < 3000; i++)
        {
            var content = $"note {i}\n";
            fastImport.Append($"commit refs/heads/main\ncommitter Bot <bot@example.test> {1_700_000_000 + i} +0000\ndata 4\nnote\n");
            fastImport.Append(i == 0 ? $"from {commits["merge"]}\n" : "").Append($"M 100644 inline notes/n{i % 7}.txt\ndata {content.Length}\n{content}\n");
        }

        var bare = dataDir.RepositoryPath(RepositoryId);
        TestGit.Run(bare, "update-ref", "refs/heads/main", commits["merge"]);
        FastImport(bare, fastImport.ToString());
        var (browser, head) = await MainAsync();
        var root = (await browser.TreeAsync(RepositoryId, head, "", default))!;
        var notes = (await browser.TreeAsync(RepositoryId, head, "notes", default))!;
        gitLog.Clear();

        var inNotes = await browser.LastCommitsAsync(RepositoryId, head, "notes", notes, default);
        var notesRuns = gitLog.ToList();
        gitLog.Clear();
        var again = await browser.LastCommitsAsync(RepositoryId, head, "notes", notes, default);
        var cachedRuns = gitLog.Count;
        var atRoot = await browser.LastCommitsAsync(RepositoryId, head, "", root, default);

        Assert.True(inNotes.Complete);
        Assert.Equal(7, inNotes.ByName.Count);
        Assert.Single(notesRuns, line => line.Contains("git log", StringComparison.Ordinal) && line.Contains("exited", StringComparison.Ordinal) || line.Contains("stopped after", StringComparison.Ordinal));
        Assert.Contains(notesRuns, line => line.Contains("stopped after", StringComparison.Ordinal));
        Assert.Same(inNotes, again);
        Assert.Equal(0, cachedRuns);
        // At the root, README.md last changed 3,000 commits back: beyond the walk's bound, so it is asked for alone.
        Assert.True(atRoot.Complete);
        Assert.Equal(commits["first"], atRoot.ByName["README.md"].Id);
    }

    private static void FastImport(string bare, string stream)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = bare };
        start.ArgumentList.Add("fast-import");
        start.ArgumentList.Add("--quiet");
        using var process = Process.Start(start)!;
        process.StandardInput.Write(stream);
        process.StandardInput.Close();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Blame_GroupsLinesByTheCommitThatLastChangedThem()
    {
        var (browser, head) = await MainAsync();

        var blame = (await browser.BlameAsync(RepositoryId, head, "src/app.py", default))!;

        Assert.Equal(
            [(commits["first"], 1, "a = 1"), (commits["change b"], 2, "b = 20"), (commits["first"], 3, "c = 3")],
            blame.Chunks.Select(c => (c.Commit.Id, c.FirstLine, string.Join('\n', c.Lines))));
        Assert.Equal("change b", blame.Chunks[1].Commit.Subject);
        Assert.Null(await browser.BlameAsync(RepositoryId, head, "src", default));
        Assert.Null(await browser.BlameAsync(RepositoryId, head, "no-such-file", default));
    }

    [Fact]
    public async Task HistoryOfAPath_TakesThePathLiterally_AndCountsItsCommits()
    {
        var (browser, head) = await MainAsync();

        var star = await browser.LogAsync(RepositoryId, head, "star*.txt", 0, 10, default);
        var app = await browser.LogAsync(RepositoryId, head, "src/app.py", 0, 10, default);

        Assert.Equal(["first"], star.Select(c => c.Subject));
        Assert.Equal(["change b", "first"], app.Select(c => c.Subject));
        Assert.Equal(2, await browser.CountAsync(RepositoryId, head, "src/app.py", default));
        Assert.Equal(7, await browser.CountAsync(RepositoryId, head, null, default));
    }

    [Fact]
    public async Task Log_GivesParents_ChildrenBeforeParents_SoTheGraphJoinsTheMerge()
    {
        var (browser, head) = await MainAsync();

        var log = await browser.LogAsync(RepositoryId, head, null, 0, 10, default);
        var graph = CommitGraph.Layout(log);

        Assert.Equal(commits["merge"], log[0].Id);
        Assert.Equal([commits["main moves on"], commits["feature two"]], log[0].ParentIds);
        // The merge opens a second lane for the feature branch; the branch's line joins the main line towards "docs",
        // their fork point, which sits on the main (left) lane like everything after it.
        Assert.Equal(2, graph[0].Width);
        Assert.Contains(graph[0].Edges, e => e is { Kind: GraphEdgeKind.ToParent, From: 0, To: 1 });
        var rows = log.Select((c, i) => (c.Subject, graph[i])).ToDictionary(r => r.Subject, r => r.Item2);
        Assert.Equal(1, rows["feature two"].Column);
        Assert.Equal(1, rows["feature one"].Column);
        Assert.Contains(rows["main moves on"].Edges, e => e is { Kind: GraphEdgeKind.PassThrough, From: 1, To: 0 });
        Assert.Equal(0, rows["docs"].Column);
        Assert.Equal([0, 0], new[] { rows["change b"].Column, rows["first"].Column });
        Assert.All(new[] { "docs", "change b", "first" }, s => Assert.Equal(1, rows[s].Width));
    }

    [Fact]
    public async Task Compare_CountsAheadAndBehind_ListsTheCommits_AndDiffsFromTheMergeBase()
    {
        var browser = Browser();

        var comparison = (await browser.CompareAsync(RepositoryId, "main", "topic", default))!;
        var same = (await browser.CompareAsync(RepositoryId, "main", "main", default))!;

        Assert.Equal((1, 4), (comparison.Ahead, comparison.Behind));
        Assert.Equal(commits["docs"], comparison.MergeBaseId);
        Assert.Equal(["topic work"], comparison.Commits.Select(c => c.Subject));
        Assert.Equal([("A", "topic.txt")], comparison.Files.Select(f => (f.Status, f.Path)));
        Assert.Contains("+topic", comparison.Diff.Text);
        Assert.DoesNotContain("feature", comparison.Diff.Text);
        Assert.Equal((0, 0), (same.Ahead, same.Behind));
        Assert.Empty(same.Files);
        Assert.Null(await browser.CompareAsync(RepositoryId, "main", "no-such-branch", default));
        Assert.Null(await browser.CompareAsync(RepositoryId, "main", "--output=/tmp/x", default));
    }

    [Fact]
    public async Task Languages_CountCodeByBytes_NotProseOrVendoredFiles()
    {
        var (browser, head) = await MainAsync();

        var languages = await browser.LanguagesAsync(RepositoryId, head, default);

        Assert.Equal(["Python", "C#"], languages.Languages.Select(l => l.Name));
        var python = "a = 1\nb = 20\nc = 3\n".Length + "print('feature two')\n".Length;
        Assert.Equal(python, languages.Languages[0].Bytes);
        Assert.Equal(100.0, languages.Languages.Sum(l => l.Percent), 6);
        Assert.False(languages.Partial);
    }

    [Theory]
    [InlineData("src/App.CS", "C#")]
    [InlineData("web/app.min.js", null)]
    [InlineData("node_modules/x/index.js", null)]
    [InlineData("build/Dockerfile", "Dockerfile")]
    [InlineData("notebooks/train.ipynb", "Jupyter Notebook")]
    [InlineData("README.md", null)]
    [InlineData("Makefile", "Makefile")]
    public void LanguageMap_KnowsCodeFromEverythingElse(string path, string? language) =>
        Assert.Equal(language, LanguageMap.Of(path)?.Name);

    [Fact]
    public async Task RawFiles_StreamTheBytes_RecogniseLfsPointers_AndStopAtTheCap()
    {
        var oid = new string('b', 64);
        Write("model.bin", $"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 123456789\n");
        Commit("model");
        TestGit.Run(dataDir.RepositoryPath(RepositoryId), "fetch", "--quiet", work, "+main:main");
        var browser = Browser();

        var app = (await browser.RawAsync(RepositoryId, "main", "src/app.py", default))!;
        var model = (await browser.RawAsync(RepositoryId, "main", "model.bin", default))!;
        using var copy = new MemoryStream();
        var copied = await browser.CopyBlobAsync(RepositoryId, app, copy, default);
        using var capped = new MemoryStream();
        var cut = await Browser(maxRawBytes: 4).CopyBlobAsync(RepositoryId, app, capped, default);

        Assert.Null(app.Lfs);
        Assert.Equal(19, app.Size);
        Assert.True(copied.Succeeded);
        Assert.Equal("a = 1\nb = 20\nc = 3\n", Encoding.UTF8.GetString(copy.ToArray()));
        Assert.Equal((oid, 123456789L), (model.Lfs!.Oid, model.Lfs.Size));
        Assert.True(cut.Truncated);
        Assert.Equal("a = ", Encoding.UTF8.GetString(capped.ToArray()));
        Assert.Null(await browser.RawAsync(RepositoryId, "main", "src", default));
        Assert.Null(await browser.RawAsync(RepositoryId, "main", "src/app.py\tx", default));
        Assert.Null(await browser.RawAsync(RepositoryId, "no-such-ref", "src/app.py", default));
    }

    public void Dispose() => Directory.Delete(dataRoot, recursive: true);
}
