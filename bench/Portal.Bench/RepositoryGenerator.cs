using System.Diagnostics;
using System.Text;

namespace Portal.Bench;

/// <summary>The workload sizes from the benchmark's brief.</summary>
public sealed record WorkloadSize(string Name, int Commits, int Files, int Branches, int Tags, int FilesPerCommit, int MinBlob, int MaxBlob)
{
    public static readonly WorkloadSize Small = new("small", 1_000, 500, 10, 20, 2, 200, 1_000);
    public static readonly WorkloadSize Medium = new("medium", 20_000, 5_000, 200, 500, 3, 1_000, 3_000);
    public static readonly WorkloadSize Large = new("large", 100_000, 5_000, 2_500, 2_500, 3, 1_000, 3_000);

    /// <summary>Ref count, not size, drives no-op and incremental cost: a small history under 6,000 branches and tags.</summary>
    public static readonly WorkloadSize ManyRefs = new("many-refs", 2_000, 500, 4_000, 2_000, 2, 200, 1_000);

    public static IReadOnlyList<WorkloadSize> All { get; } = [Small, Medium, Large, ManyRefs];

    /// <summary>Only the sync figures (import, no-op, incremental) run on it: clones and pages are about size, not refs.</summary>
    public bool SyncOnly => this == ManyRefs;
}

/// <summary>
/// Builds a repository with `git fast-import` from a seeded generator: the same size always gives the same history,
/// so runs on different days compare. Content is random text, which packs like source code rather than zeros.
/// </summary>
public static class RepositoryGenerator
{
    /// <summary>Bump when the generator's output changes: cached repositories of another version are not reused.</summary>
    public const int Version = 2;

    /// <summary>
    /// Puts the workload at <paramref name="barePath"/>, generated once into <paramref name="cacheRoot"/> (keyed by the
    /// size's parameters and <see cref="Version"/>) and hard-linked from there on later runs: the 100k-commit repository
    /// takes minutes to build. Hard links are safe because git never rewrites an object or pack in place (a push adds
    /// files and renames refs into place), so the benchmark's pushes to the copy leave the cache as it was.
    /// Returns whether the cache was used.
    /// </summary>
    public static bool Materialize(string barePath, WorkloadSize size, string cacheRoot)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(size.ToString())))[..12];
        var cached = Path.Combine(cacheRoot, $"{size.Name}-v{Version}-{key}.git");
        var complete = cached + ".complete";
        var hit = File.Exists(complete);
        if (!hit)
        {
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }

            Directory.CreateDirectory(cacheRoot);
            Generate(cached, size);
            File.WriteAllText(complete, size.ToString());
        }

        if (Tool.TryRun("cp", null, "-al", cached, barePath).ExitCode != 0)
        {
            // Another file system (no hard links across it): a plain copy.
            Tool.Run("cp", null, "-a", cached, barePath);
        }

        return hit;
    }

    public static void Generate(string barePath, WorkloadSize size, int seed = 42)
    {
        Tool.Run("git", null, "init", "--quiet", "--bare", "--initial-branch=main", barePath);
        var start = new ProcessStartInfo("git") { RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = barePath };
        foreach (var argument in new[] { "fast-import", "--quiet", "--done" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using (var input = new BufferedStream(process.StandardInput.BaseStream, 1 << 20))
        {
            Write(input, size, new Random(seed));
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("git fast-import failed");
        }

        Tool.Run("git", barePath, "repack", "-a", "-d", "-q");
        // fast-import leaves one loose file per ref; a served repository has them packed.
        Tool.Run("git", barePath, "pack-refs", "--all", "--prune");
    }

    private static void Write(Stream output, WorkloadSize size, Random random)
    {
        var time = 1_600_000_000L;
        var mark = 0;
        var commitMarks = new List<int>(size.Commits);
        for (var commit = 0; commit < size.Commits; commit++)
        {
            var changed = commit == 0 ? Enumerable.Range(0, size.Files) : Enumerable.Range(0, size.FilesPerCommit).Select(_ => random.Next(size.Files));
            var blobs = new List<(int Mark, int File)>();
            foreach (var file in changed.Distinct())
            {
                var content = RandomText(random, random.Next(size.MinBlob, size.MaxBlob));
                Append(output, $"blob\nmark :{++mark}\ndata {content.Length}\n");
                output.Write(content);
                Append(output, "\n");
                blobs.Add((mark, file));
            }

            var message = $"Change {commit}: update {blobs.Count} files";
            Append(output, $"commit refs/heads/main\nmark :{++mark}\ncommitter Bench <bench@example.test> {time + (commit * 60)} +0000\ndata {message.Length}\n{message}\n");
            if (commitMarks.Count > 0)
            {
                Append(output, $"from :{commitMarks[^1]}\n");
            }

            foreach (var (blobMark, file) in blobs)
            {
                Append(output, $"M 100644 :{blobMark} src/dir{file % 50:D2}/file{file:D5}.txt\n");
            }

            Append(output, "\n");
            commitMarks.Add(mark);
        }

        for (var i = 0; i < size.Branches; i++)
        {
            Append(output, $"reset refs/heads/branch-{i:D4}\nfrom :{commitMarks[random.Next(commitMarks.Count)]}\n\n");
        }

        for (var i = 0; i < size.Tags; i++)
        {
            Append(output, $"reset refs/tags/v{i:D4}\nfrom :{commitMarks[random.Next(commitMarks.Count)]}\n\n");
        }

        Append(output, "done\n");
    }

    private static byte[] RandomText(Random random, int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz     ()=;{}\n";
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)alphabet[random.Next(alphabet.Length)];
        }

        return bytes;
    }

    private static void Append(Stream output, string text) => output.Write(Encoding.UTF8.GetBytes(text));
}
