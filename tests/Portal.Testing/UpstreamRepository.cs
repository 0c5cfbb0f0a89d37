namespace Portal.Testing;

/// <summary>A bare upstream repository under a server root, with a working clone to make commits, tags and pushes.</summary>
public sealed class UpstreamRepository
{
    private int counter;

    public UpstreamRepository(string root, string name)
    {
        Name = name;
        BarePath = Path.Combine(root, name + ".git");
        WorkPath = Path.Combine(root, "work-" + name);
        TestGit.Run(root, "init", "--quiet", "--bare", "--initial-branch=main", BarePath);
        TestGit.Run(root, "init", "--quiet", "--initial-branch=main", WorkPath);
        TestGit.Run(WorkPath, "remote", "add", "origin", BarePath);
    }

    public string Name { get; }

    public string BarePath { get; }

    public string WorkPath { get; }

    public Dictionary<string, string> Refs => TestGit.Refs(BarePath);

    /// <summary>Commits a new file (or the given content) on <paramref name="branch"/>, creating the branch from the current one if new.</summary>
    public string Commit(string branch = "main", string? message = null, string? file = null, byte[]? content = null)
    {
        Checkout(branch);
        var name = file ?? $"file{Interlocked.Increment(ref counter)}.txt";
        var path = Path.Combine(WorkPath, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (content is null)
        {
            File.WriteAllText(path, $"{message ?? name} {Guid.NewGuid()}\n");
        }
        else
        {
            File.WriteAllBytes(path, content);
        }

        TestGit.Run(WorkPath, "add", "--", name);
        TestGit.Run(WorkPath, "commit", "--quiet", "-m", message ?? $"Add {name}");
        return TestGit.Run(WorkPath, "rev-parse", "HEAD").Trim();
    }

    public void Checkout(string branch)
    {
        var exists = TestGit.TryRun(WorkPath, "rev-parse", "--verify", "--quiet", $"refs/heads/{branch}").ExitCode == 0;
        var hasCommits = TestGit.TryRun(WorkPath, "rev-parse", "--verify", "--quiet", "HEAD").ExitCode == 0;
        if (exists)
        {
            TestGit.Run(WorkPath, "checkout", "--quiet", branch);
        }
        else if (hasCommits)
        {
            TestGit.Run(WorkPath, "checkout", "--quiet", "-b", branch);
        }
        else
        {
            TestGit.Run(WorkPath, "checkout", "--quiet", "--orphan", branch);
        }
    }

    public void Tag(string name, string? annotation = null, string target = "HEAD")
    {
        if (annotation is null)
        {
            TestGit.Run(WorkPath, "tag", name, target);
        }
        else
        {
            TestGit.Run(WorkPath, "tag", "-a", name, "-m", annotation, target);
        }
    }

    /// <summary>Pushes all branches and tags, forcing, and deleting upstream what was deleted here (an exact mirror push).</summary>
    public void Push() => TestGit.Run(WorkPath, "push", "--quiet", "--prune", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*");

    public void DeleteBranch(string branch)
    {
        Checkout("main");
        TestGit.Run(WorkPath, "branch", "--quiet", "-D", branch);
    }

    public void DeleteTag(string tag) => TestGit.Run(WorkPath, "tag", "-d", tag);

    /// <summary>Rewrites the tip of <paramref name="branch"/> (a force-push once pushed).</summary>
    public string Amend(string branch)
    {
        Checkout(branch);
        TestGit.Run(WorkPath, "commit", "--quiet", "--amend", "-m", $"Rewritten {Guid.NewGuid()}");
        return TestGit.Run(WorkPath, "rev-parse", "HEAD").Trim();
    }

    public void SetHead(string branch) => TestGit.Run(BarePath, "symbolic-ref", "HEAD", $"refs/heads/{branch}");
}
