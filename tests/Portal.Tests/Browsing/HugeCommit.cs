using Portal.Testing;

namespace Portal.Tests.Browsing;

/// <summary>
/// Writes a commit of one large text blob under many names straight into a bare repository with git's plumbing:
/// the blob is streamed from a temporary file (hash-object), so the test holds none of it in memory and the
/// repository stays small on disk (the repeated text compresses to almost nothing).
/// </summary>
public static class HugeCommit
{
    public static string Create(string bareRepository, long blobBytes, int names, string branch = "main", string message = "Add huge files")
    {
        var file = Path.GetTempFileName();
        try
        {
            var line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n"u8.ToArray();
            using (var stream = File.Create(file))
            {
                for (long written = 0; written < blobBytes; written += line.Length)
                {
                    stream.Write(line);
                }
            }

            var blob = TestGit.Run(bareRepository, "hash-object", "-w", "--", file).Trim();
            var tree = TestProcess.Run("git", bareRepository, ["mktree"], TestGit.Environment, input: string.Concat(Enumerable.Range(1, names).Select(i => $"100644 blob {blob}\thuge-{i:00}.txt\n"))).Trim();
            var parent = TestGit.TryRun(bareRepository, "rev-parse", "--verify", "--quiet", $"refs/heads/{branch}");
            string[] parentArguments = parent.ExitCode == 0 ? ["-p", parent.Output.Trim()] : [];
            var commit = TestGit.Run(bareRepository, ["commit-tree", tree, .. parentArguments, "-m", message]).Trim();
            TestGit.Run(bareRepository, "update-ref", $"refs/heads/{branch}", commit);
            return commit;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
