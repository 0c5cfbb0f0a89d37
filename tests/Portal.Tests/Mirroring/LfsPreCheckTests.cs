using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core.Lfs;
using Portal.Git;
using Portal.Testing;

namespace Portal.Tests.Mirroring;

/// <summary>
/// The LFS pre-check that lets repositories without LFS skip the pointer scan (one rev-list over all tips' trees, then
/// the distinct .gitattributes blobs): it must still say yes wherever LFS may be in use, at any depth, on any tip.
/// </summary>
public sealed class LfsPreCheckTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("portal-lfs-precheck-").FullName;
    private readonly LfsPointerScanner scanner;

    public LfsPreCheckTests()
    {
        scanner = new LfsPointerScanner(new GitRunner(Options.Create(new GitOptions { HomePath = root, TempPath = root }), NullLogger<GitRunner>.Instance));
        TestGit.Run(root, "init", "--quiet", "--initial-branch=main", "repo");
    }

    private string Repo => Path.Combine(root, "repo");

    private string Commit(string path, string content)
    {
        var file = Path.Combine(Repo, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        TestGit.Run(Repo, "add", "--", path);
        TestGit.Run(Repo, "commit", "--quiet", "-m", $"Change {path}");
        return TestGit.Run(Repo, "rev-parse", "HEAD").Trim();
    }

    private Task<bool> MentionsLfsAsync(params string[] tips) => scanner.MentionsLfsAsync(Repo, tips, CancellationToken.None);

    [Fact]
    public async Task NoAttributes_OrAttributesWithoutLfs_AreNo()
    {
        var plain = Commit("src/app.c", "int main;\n");
        Assert.False(await MentionsLfsAsync(plain));

        var attributed = Commit(".gitattributes", "*.c text eol=lf\n");
        var nested = Commit("docs/deep/.gitattributes", "*.md linguist-documentation\n");
        Assert.False(await MentionsLfsAsync(plain, attributed, nested));
        Assert.False(await MentionsLfsAsync());
    }

    [Fact]
    public async Task LfsInANestedAttributesFile_OnOneTipOfMany_IsYes()
    {
        var tips = new List<string> { Commit("README.md", "hello\n") };
        for (var i = 0; i < 20; i++)
        {
            tips.Add(Commit($"src/file{i}.txt", $"{i}\n"));
        }

        TestGit.Run(Repo, "checkout", "--quiet", "-b", "assets");
        tips.Add(Commit("assets/models/.gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n"));
        TestGit.Run(Repo, "checkout", "--quiet", "main");
        tips.Add(Commit("src/after.txt", "after\n"));

        Assert.True(await MentionsLfsAsync([.. tips]));
        Assert.False(await MentionsLfsAsync([.. tips.Where((_, i) => i != tips.Count - 2)]));
    }

    [Fact]
    public async Task WhatThePreCheckCannotJudge_IsYes_SoTheFullScanDecides()
    {
        Commit("README.md", "hello\n");
        // A tag naming a blob directly (which may itself be a pointer), and an object this repository does not have.
        var blob = TestGit.Run(Repo, "rev-parse", "HEAD:README.md").Trim();
        TestGit.Run(Repo, "tag", "readme-blob", blob);
        Assert.True(await MentionsLfsAsync(blob));
        Assert.True(await MentionsLfsAsync(TestGit.Run(Repo, "rev-parse", "refs/tags/readme-blob").Trim()));
        Assert.True(await MentionsLfsAsync(new string('a', 40)));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
