using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core.Browsing;
using Portal.Git;
using Portal.Core.Hosting;
using Portal.Testing;

namespace Portal.Tests.Browsing;

/// <summary>
/// A commit of twenty names for one large text blob: its diff is twenty times the blob. The commit page reads git's
/// output up to a cap and stops git there, and never asks git to load files above the large-file limit.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class HugeCommitTests : IDisposable
{
    private const long RepositoryId = 3;
    private const int DiffCap = 256 * 1024;
    private const long BlobBytes = 8L * 1024 * 1024;
    private readonly string dataRoot = Directory.CreateTempSubdirectory("portal-huge-").FullName;
    private readonly DataDirectory dataDir;
    private readonly GitRunner git;
    private readonly string commit;

    public HugeCommitTests()
    {
        dataDir = new DataDirectory(dataRoot);
        dataDir.EnsureCreated();
        git = new GitRunner(Options.Create(new GitOptions { HomePath = dataDir.GitHomePath, TempPath = dataDir.TempPath }), NullLogger<GitRunner>.Instance);
        TestGit.Run(dataRoot, "init", "--quiet", "--bare", dataDir.RepositoryPath(RepositoryId));
        commit = HugeCommit.Create(dataDir.RepositoryPath(RepositoryId), BlobBytes, names: 20);
    }

    private RepositoryBrowser Browser(long maxDiffFileBytes = 64L * 1024 * 1024) =>
        new(git, dataDir, Options.Create(new BrowsingOptions { MaxDiffBytes = DiffCap, MaxDiffFileBytes = maxDiffFileBytes }), new BrowsingCache());

    [Fact]
    public async Task Diff_IsCutAtTheCap_AndGitIsStoppedThere()
    {
        var detail = (await Browser().CommitAsync(RepositoryId, commit, default))!;

        Assert.Equal(20, detail.Files.Count);
        Assert.All(detail.Files, f => Assert.Equal((int)(BlobBytes / 64), f.Added));
        Assert.False(detail.FilesTruncated);
        Assert.True(detail.Diff.Truncated);
        Assert.StartsWith("diff --git a/huge-01.txt b/huge-01.txt", detail.Diff.Text);
        Assert.InRange(detail.Diff.Text.Length, DiffCap - 100, DiffCap);
        // The whole diff is 160 MB; Portal read one byte past the cap (to know there was more), then stopped git.
        Assert.InRange(detail.Diff.BytesRead, DiffCap, DiffCap + 1);
    }

    [Fact]
    public async Task ReadCapped_StopsGit_AfterTheCapPlusOneByte()
    {
        var output = await git.ReadCappedAsync(GitCommand.Create("cat-file").Option("blob").EndOfOptions().Value($"{commit}:huge-07.txt"), dataDir.RepositoryPath(RepositoryId), 1000);
        var whole = await git.ReadCappedAsync(GitCommand.Create("cat-file").Option("-s").EndOfOptions().Value($"{commit}:huge-07.txt"), dataDir.RepositoryPath(RepositoryId), 1000);

        Assert.True(output.Truncated);
        Assert.True(output.Succeeded);
        Assert.Null(output.ExitCode);
        Assert.Equal(1000, output.Bytes.Length);
        Assert.Equal(1001, output.BytesRead);
        Assert.False(whole.Truncated);
        Assert.Equal(0, whole.ExitCode);
        Assert.Equal(BlobBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), whole.Text.Trim());
    }

    [Fact]
    public async Task FilesAboveTheLargeFileLimit_AreShownAsBinary_WithoutGitReadingThem()
    {
        var detail = (await Browser(maxDiffFileBytes: 1024 * 1024).CommitAsync(RepositoryId, commit, default))!;

        Assert.Equal(20, detail.Files.Count);
        Assert.All(detail.Files, f => Assert.Null(f.Added));
        Assert.False(detail.Diff.Truncated);
        Assert.Contains("Binary files /dev/null and b/huge-20.txt differ", detail.Diff.Text);
    }

    [Fact]
    public async Task HistoryAndCommit_WithAHugeSubjectAndAuthor_AreCutByGit()
    {
        var repository = dataDir.RepositoryPath(RepositoryId);
        var tree = TestGit.Run(repository, "rev-parse", $"{commit}^{{tree}}").Trim();
        var environment = new Dictionary<string, string>(TestGit.Environment) { ["GIT_AUTHOR_NAME"] = new string('N', 100_000) };
        var message = new string('s', 3 * 1024 * 1024) + "\n\nbody";
        var huge = TestProcess.Run("git", repository, ["commit-tree", tree, "-p", commit, "-F", "-"], environment, input: message).Trim();
        TestGit.Run(repository, "update-ref", "refs/heads/main", huge);
        var browser = Browser();

        var log = await browser.LogAsync(RepositoryId, huge, null, 0, 30, default);
        var detail = (await browser.CommitAsync(RepositoryId, huge, default))!;

        Assert.Equal([huge, commit], log.Select(c => c.Id));
        Assert.InRange(log[0].Subject.Length, 400, 500);
        Assert.InRange(log[0].AuthorName.Length, 100, 200);
        Assert.InRange(detail.Message.Length, 200 * 1024, 256 * 1024 + 1);
        Assert.EndsWith("…", detail.Message);
    }

    public void Dispose() => Directory.Delete(dataRoot, recursive: true);
}
