using System.Globalization;
using System.Text;
using Portal.Git;

namespace Portal.Core.Lfs;

/// <summary>
/// Finds the Git LFS objects new commits point to, in Portal's own copy of a repository, with git plumbing only: never
/// git-lfs, never the repository's .lfsconfig. Output is streamed (a first import of a large repository lists millions
/// of objects); only the pointers found are kept.
/// </summary>
public sealed class LfsPointerScanner(GitRunner git)
{
    /// <summary>Distinct .gitattributes files the pre-check reads at most; more, and the full scan decides.</summary>
    private const int MaxAttributesFiles = 1_000;

    /// <summary>A .gitattributes file larger than this is not read by the pre-check: the full scan decides.</summary>
    private const int MaxAttributesBytes = 1024 * 1024;

    private static readonly byte[] LfsFilter = "filter=lfs"u8.ToArray();

    /// <summary>
    /// The cheap pre-check: does a .gitattributes file (at the root or in any folder) of any of these commits route
    /// files through LFS? One <c>rev-list --objects --no-walk</c> lists the trees of all tips at once, reading each tree
    /// object once however many tips share it (a <c>git grep</c> per tip walked every tip's whole tree again: ~3x the
    /// CPU on a first import with hundreds of refs), then one <c>cat-file --batch</c> reads only the distinct
    /// .gitattributes blobs. Repositories without LFS stop here. When git cannot answer (a missing object), or there is
    /// more to read than a pre-check should, the answer is yes, so the full scan decides.
    /// </summary>
    public async Task<bool> MentionsLfsAsync(string repositoryPath, IReadOnlyCollection<string> tips, CancellationToken cancellationToken)
    {
        if (tips.Count == 0)
        {
            return false;
        }

        var attributes = await AttributesFilesAsync(repositoryPath, tips, cancellationToken);
        if (attributes is null)
        {
            return true;
        }

        if (attributes.Count == 0)
        {
            return false;
        }

        await using var catFile = git.StartStreaming(GitCommand.Create("cat-file").Option("--batch"), repositoryPath);
        var feed = WriteLinesAsync(catFile.Input, attributes, cancellationToken);
        var reader = new BatchReader(catFile.Output);
        try
        {
            while (await reader.NextAsync(cancellationToken) is { } entry)
            {
                if (entry.Size > MaxAttributesBytes)
                {
                    return true;
                }

                if (((ReadOnlySpan<byte>)await reader.ReadContentAsync((int)entry.Size, cancellationToken)).IndexOf(LfsFilter) >= 0)
                {
                    return true;
                }
            }
        }
        finally
        {
            catFile.Kill();
            await IgnoreBrokenPipeAsync(feed);
        }

        return false;
    }

    /// <summary>The distinct ids of .gitattributes blobs in the tips' trees; null when git cannot say or there are too many.</summary>
    private async Task<HashSet<string>?> AttributesFilesAsync(string repositoryPath, IReadOnlyCollection<string> tips, CancellationToken cancellationToken)
    {
        // Blobs only (trees are walked, not printed); commits print as a bare id, and a blob with no path is one a tag
        // points at directly, which only the full scan can judge.
        await using var revList = git.StartStreaming(
            GitCommand.Create("rev-list").Option("--objects").Option("--no-walk").Option("--filter=object:type=blob").Option("--stdin"), repositoryPath);
        // rev-list reads all of stdin before it prints: written whole, then read.
        await WriteRevisionsAsync(revList.Input, tips, [], cancellationToken);
        var found = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = new StreamReader(revList.Output, Encoding.UTF8))
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                // "<id> <path>" for blobs ("<id> <name>" for tags); a path with a newline can at worst add a line: a false "yes".
                var space = line.IndexOf(' ');
                if (space < 0)
                {
                    continue;
                }

                var name = line.AsSpan(space + 1);
                if (name.IsEmpty)
                {
                    return null;
                }

                if (name is ".gitattributes" || name.EndsWith("/.gitattributes", StringComparison.Ordinal))
                {
                    var id = line[..space];
                    if (!IsObjectId(id) || (found.Add(id) && found.Count > MaxAttributesFiles))
                    {
                        return null;
                    }
                }
            }
        }

        return await revList.WaitForExitAsync(cancellationToken) == 0 ? found : null;
    }

    private static async Task WriteLinesAsync(Stream input, IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await using var writer = new StreamWriter(input, new UTF8Encoding(false)) { NewLine = "\n" };
        foreach (var line in lines)
        {
            await writer.WriteLineAsync(line.AsMemory(), cancellationToken);
        }
    }

    /// <summary>
    /// The distinct LFS pointers in blobs reachable from <paramref name="tips"/> but not from <paramref name="excluded"/>
    /// (the commits this sync brought), at most <paramref name="limit"/> of them. git rev-list lists only blobs smaller
    /// than a pointer can be (larger blobs never leave git), git cat-file --batch hands over their contents.
    /// </summary>
    public async Task<LfsScan> ScanAsync(string repositoryPath, IReadOnlyCollection<string> tips, IReadOnlyCollection<string> excluded, int limit, CancellationToken cancellationToken)
    {
        if (tips.Count == 0)
        {
            return new LfsScan([], Truncated: false);
        }

        await using var revList = git.StartStreaming(
            GitCommand.Create("rev-list").Option("--objects").Option("--no-object-names").Option("--ignore-missing")
                .Option("--filter=object:type=blob").Option($"--filter=blob:limit={LfsPointer.MaxPointerBytes}").Option("--stdin"),
            repositoryPath);
        await using var catFile = git.StartStreaming(GitCommand.Create("cat-file").Option("--batch").Option("--buffer"), repositoryPath);
        await WriteRevisionsAsync(revList.Input, tips, excluded, cancellationToken);
        return await CollectPointersAsync(revList, "git rev-list", catFile, PumpAsync(revList.Output, catFile.Input, cancellationToken), limit, cancellationToken);
    }

    /// <summary>
    /// The distinct LFS pointers among every object of a repository a transfer has just filled (a first import, where
    /// each object came with the new commits), at most <paramref name="limit"/> of them. One
    /// <c>cat-file --batch-all-objects --unordered --batch-check</c> reads types and sizes in pack order without walking
    /// a single tree (the bench's large repository, 900,000 objects under 4,894 tips: 0.95 s of git where the
    /// tips' trees took 2.2 s); only blobs of a pointer's size are then read. It answers more than the .gitattributes
    /// pre-check can, too: pointers anywhere in the history, as GitLab's mirror import (Gitaly's ListAllLFSPointers) does.
    /// </summary>
    public async Task<LfsScan> ScanEveryObjectAsync(string repositoryPath, int limit, CancellationToken cancellationToken)
    {
        await using var listing = git.StartStreaming(
            GitCommand.Create("cat-file").Option("--batch-all-objects").Option("--unordered").Option("--batch-check=%(objecttype) %(objectsize) %(objectname)"),
            repositoryPath);
        listing.Input.Close();
        await using var catFile = git.StartStreaming(GitCommand.Create("cat-file").Option("--batch").Option("--buffer"), repositoryPath);
        return await CollectPointersAsync(listing, "git cat-file --batch-all-objects", catFile, PumpPointerSizedBlobsAsync(listing.Output, catFile.Input, cancellationToken), limit, cancellationToken);
    }

    /// <summary>Reads what <paramref name="pump"/> feeds <paramref name="catFile"/>, keeping pointers; stops both processes when it stops early.</summary>
    private static async Task<LfsScan> CollectPointersAsync(GitStreamingProcess source, string sourceName, GitStreamingProcess catFile, Task pump, int limit, CancellationToken cancellationToken)
    {
        var pointers = new Dictionary<string, LfsPointer>(StringComparer.Ordinal);
        var truncated = false;
        var readToEnd = false;
        try
        {
            truncated = await CollectAsync(new BatchReader(catFile.Output), pointers, limit, cancellationToken);
            readToEnd = !truncated;
        }
        finally
        {
            if (!readToEnd)
            {
                // Stopped early (limit, error or cancellation): nothing more is read, so nothing more may be written.
                source.Kill();
                catFile.Kill();
            }

            await IgnoreBrokenPipeAsync(pump);
        }

        if (!truncated)
        {
            await EnsureSucceededAsync(source, sourceName, cancellationToken);
            await EnsureSucceededAsync(catFile, "git cat-file", cancellationToken);
        }

        return new LfsScan([.. pointers.Values], truncated);
    }

    /// <summary>Reads every object cat-file prints, keeping pointers; true when it stopped at the limit.</summary>
    private static async Task<bool> CollectAsync(BatchReader reader, Dictionary<string, LfsPointer> pointers, int limit, CancellationToken cancellationToken)
    {
        while (await reader.NextAsync(cancellationToken) is { } entry)
        {
            if (entry.Type != "blob" || entry.Size >= LfsPointer.MaxPointerBytes)
            {
                // Commits (rev-list lists them whatever the filter) and anything unexpected: skipped unread.
                await reader.SkipContentAsync(entry.Size, cancellationToken);
                continue;
            }

            var content = await reader.ReadContentAsync((int)entry.Size, cancellationToken);
            if (LfsPointer.TryParse(content) is { } pointer && !pointers.ContainsKey(pointer.Oid))
            {
                if (pointers.Count == limit)
                {
                    return true;
                }

                pointers.Add(pointer.Oid, pointer);
            }
        }

        return false;
    }

    private static async Task WriteRevisionsAsync(Stream input, IReadOnlyCollection<string> tips, IReadOnlyCollection<string> excluded, CancellationToken cancellationToken)
    {
        // Object ids only (checked, never options); "^id" excludes. --ignore-missing skips ids gc already removed.
        await using var writer = new StreamWriter(input, new UTF8Encoding(false)) { NewLine = "\n" };
        foreach (var tip in tips.Where(IsObjectId))
        {
            await writer.WriteLineAsync(tip.AsMemory(), cancellationToken);
        }

        foreach (var id in excluded.Where(IsObjectId))
        {
            await writer.WriteLineAsync(("^" + id).AsMemory(), cancellationToken);
        }
    }

    /// <summary>rev-list's object ids into cat-file's stdin, line by line, closing it at the end.</summary>
    private static async Task PumpAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var reader = new StreamReader(from, Encoding.ASCII);
        await using var writer = new StreamWriter(to, new UTF8Encoding(false)) { NewLine = "\n" };
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            await writer.WriteLineAsync(line.AsMemory(), cancellationToken);
        }
    }

    /// <summary>
    /// Hands cat-file the ids of the listed blobs whose size a pointer can have ("blob &lt;size&gt; &lt;id&gt;" lines), closing
    /// its stdin at the end. Parsed as bytes: a large repository lists a million objects, mostly not blobs of that size.
    /// </summary>
    private static async Task PumpPointerSizedBlobsAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var buffer = new byte[64 * 1024];
        var pending = 0;
        await using var output = new BufferedStream(to, 16 * 1024);
        while (true)
        {
            var read = await from.ReadAsync(buffer.AsMemory(pending), cancellationToken);
            var filled = pending + read;
            var consumed = 0;
            for (int end; (end = Array.IndexOf(buffer, (byte)'\n', consumed, filled - consumed)) >= 0; consumed = end + 1)
            {
                if (PointerSizedBlobId(buffer.AsMemory(consumed, end - consumed + 1)) is { } id)
                {
                    await output.WriteAsync(id, cancellationToken);
                }
            }

            if (read == 0)
            {
                break;
            }

            // A line longer than the buffer is no line this format prints: the rest of it is dropped.
            pending = consumed == 0 && filled == buffer.Length ? 0 : filled - consumed;
            buffer.AsSpan(consumed, pending).CopyTo(buffer);
        }
    }

    /// <summary>The "&lt;id&gt;\n" of a "blob &lt;size&gt; &lt;id&gt;\n" line whose size a pointer can have; null for any other line.</summary>
    private static ReadOnlyMemory<byte>? PointerSizedBlobId(ReadOnlyMemory<byte> line)
    {
        var span = line.Span;
        if (!span.StartsWith("blob "u8))
        {
            return null;
        }

        var sizeEnd = span[5..].IndexOf((byte)' ');
        if (sizeEnd <= 0 || !System.Buffers.Text.Utf8Parser.TryParse(span.Slice(5, sizeEnd), out long size, out var used) || used != sizeEnd)
        {
            return null;
        }

        return size is >= LfsPointer.MinPointerBytes and < LfsPointer.MaxPointerBytes ? line[(5 + sizeEnd + 1)..] : null;
    }

    private static async Task IgnoreBrokenPipeAsync(Task pump)
    {
        try
        {
            await pump;
        }
        catch (IOException)
        {
            // The processes were stopped on purpose.
        }
    }

    private static async Task EnsureSucceededAsync(GitStreamingProcess process, string what, CancellationToken cancellationToken)
    {
        if (await process.WaitForExitAsync(cancellationToken) != 0)
        {
            throw new GitException($"{what} failed: {(await process.StandardError).Trim()}");
        }
    }

    private static bool IsObjectId(string id) => id.Length is 40 or 64 && id.All(char.IsAsciiHexDigitLower);

    /// <summary>Reads git cat-file --batch output: "&lt;id&gt; &lt;type&gt; &lt;size&gt;\n&lt;content&gt;\n" per object.</summary>
    private sealed class BatchReader(Stream stream)
    {
        private readonly byte[] buffer = new byte[64 * 1024];
        private int position;
        private int length;

        public async Task<(string Type, long Size)?> NextAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var header = await ReadLineAsync(cancellationToken);
                if (header is null)
                {
                    return null;
                }

                var parts = header.Split(' ');
                if (parts is [_, "missing"])
                {
                    continue;
                }

                if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                {
                    throw new GitException($"git cat-file printed an unexpected header: '{header}'.");
                }

                return (parts[1], size);
            }
        }

        public async Task<byte[]> ReadContentAsync(int size, CancellationToken cancellationToken)
        {
            var content = new byte[size];
            var filled = 0;
            while (filled < size)
            {
                if (!await EnsureAsync(cancellationToken))
                {
                    throw new GitException("git cat-file stopped in the middle of an object.");
                }

                var take = Math.Min(size - filled, length - position);
                buffer.AsSpan(position, take).CopyTo(content.AsSpan(filled));
                position += take;
                filled += take;
            }

            await SkipContentAsync(0, cancellationToken);
            return content;
        }

        /// <summary>Skips <paramref name="size"/> bytes and the newline after them.</summary>
        public async Task SkipContentAsync(long size, CancellationToken cancellationToken)
        {
            var remaining = size + 1;
            while (remaining > 0)
            {
                if (!await EnsureAsync(cancellationToken))
                {
                    throw new GitException("git cat-file stopped in the middle of an object.");
                }

                var take = (int)Math.Min(remaining, length - position);
                position += take;
                remaining -= take;
            }
        }

        private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (!await EnsureAsync(cancellationToken))
                {
                    return line.Length == 0 ? null : throw new GitException("git cat-file output ended mid-line.");
                }

                var newline = Array.IndexOf(buffer, (byte)'\n', position, length - position);
                var end = newline < 0 ? length : newline;
                line.Append(Encoding.ASCII.GetString(buffer, position, end - position));
                position = newline < 0 ? length : newline + 1;
                if (newline >= 0)
                {
                    return line.ToString();
                }

                if (line.Length > 512)
                {
                    throw new GitException("git cat-file printed an overlong header.");
                }
            }
        }

        private async Task<bool> EnsureAsync(CancellationToken cancellationToken)
        {
            if (position < length)
            {
                return true;
            }

            length = await stream.ReadAsync(buffer, cancellationToken);
            position = 0;
            return length > 0;
        }
    }
}

/// <summary>The pointers a scan found; <see cref="Truncated"/> when it stopped at its limit (the rest wait for the next sync).</summary>
public sealed record LfsScan(IReadOnlyList<LfsPointer> Pointers, bool Truncated);
