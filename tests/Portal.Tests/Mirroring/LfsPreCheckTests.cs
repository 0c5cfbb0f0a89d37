using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core.Lfs;
using Portal.Git;
using Portal.Testing;

namespace Portal.Tests.Mirroring;

/// <summary>
/// The LFS pre-check that lets repositories without LFS skip the pointer scan (one rev-list over all tips' trees, then
/// the distinct .gitattributes blobs): it must still say yes wherever LFS may be in use, at any depth, on any tip. And
/// the whole-repository search a first import uses instead.
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

    [Fact]
    public async Task EveryObjectSearch_FindsEachPointer_PackedOrLoose_InHistoryToo_AndNothingElse()
    {
        // Thousands of objects, so the listing spans many reads; pointers of the smallest and largest sizes, one packed
        // and replaced later (history only), one loose; small files and a pointer-sized look-alike are not pointers.
        const string oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
        var smallest = $"version https://hawser.github.com/spec/v1\noid sha256:{oid}\nsize 0\n";
        var extensions = string.Concat(Enumerable.Range(0, 10).Select(i => $"ext-{i}-tool sha256:{new string((char)('a' + i), 64)}\n"));
        var largest = $"version https://git-lfs.github.com/spec/v1\n{extensions}oid sha256:{new string('b', 64)}\nsize 99\n";
        Assert.InRange(largest.Length, LfsPointer.MaxPointerBytes - 100, LfsPointer.MaxPointerBytes - 1);
        for (var i = 0; i < 3000; i++)
        {
            File.WriteAllText(Path.Combine(Repo, $"file{i}.txt"), new string('x', i % 1200) + $"{i}\n");
        }

        File.WriteAllText(Path.Combine(Repo, "lookalike.bin"), $"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 12 but not a pointer\n");
        File.WriteAllText(Path.Combine(Repo, "smallest.bin"), smallest);
        TestGit.Run(Repo, "add", "--all");
        TestGit.Run(Repo, "commit", "--quiet", "-m", "Many files");
        TestGit.Run(Repo, "repack", "-a", "-d", "-q");
        Commit("smallest.bin", "no longer a pointer\n");
        Commit("largest.bin", largest);

        var scan = await scanner.ScanEveryObjectAsync(Repo, limit: 10, CancellationToken.None);

        Assert.False(scan.Truncated);
        Assert.Equal([new LfsPointer(oid, 0), new LfsPointer(new string('b', 64), 99)], scan.Pointers.OrderBy(p => p.Size));
        Assert.True((await scanner.ScanEveryObjectAsync(Repo, limit: 1, CancellationToken.None)).Truncated);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
