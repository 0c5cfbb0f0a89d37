namespace Portal.Core.Browsing;

public sealed record BranchInfo(string Name, string CommitId, DateTime CommitDate, string Subject, bool IsDefault);

public sealed record TagInfo(string Name, string TargetId, DateTime Date, string? Message, bool Annotated);

public enum TreeEntryKind
{
    Directory,
    File,
    Symlink,
    Submodule,
}

public sealed record TreeEntry(string Name, string Path, TreeEntryKind Kind, long? Size);

public sealed record CommitSummary(string Id, string ShortId, string AuthorName, string AuthorEmail, DateTime AuthorDate, string Subject)
{
    /// <summary>The parents, where the listing asked for them (a page of history does; a directory's last commits do not).</summary>
    public IReadOnlyList<string> ParentIds { get; init; } = [];
}

/// <summary>A commit; <see cref="FilesTruncated"/> when it changes more files than a listing holds.</summary>
public sealed record CommitDetail(CommitSummary Summary, string Message, IReadOnlyList<string> ParentIds, IReadOnlyList<ChangedFile> Files, bool FilesTruncated, CommitDiff Diff);

/// <summary>
/// A commit's diff as far as it was read: all of it, or its first <see cref="MaxBytes"/> when <see cref="Truncated"/>
/// (git was stopped there). <see cref="BytesRead"/> is what was read from git: never more than the cap + 1.
/// </summary>
public sealed record CommitDiff(string Text, bool Truncated, long BytesRead, int MaxBytes);

public sealed record ChangedFile(string Status, string Path, int? Added, int? Deleted);

public enum BlobKind
{
    Text,
    Binary,
    LfsPointer,
}

/// <summary>A file's content for display: text up to a limit, or a label for binary and LFS files.</summary>
public sealed record BlobView(string Path, long Size, BlobKind Kind, string? Text, bool Truncated);

/// <summary>What is at a path: a directory's entries, or a file.</summary>
public sealed record PathView(IReadOnlyList<TreeEntry>? Entries, BlobView? Blob);

/// <summary>
/// The last commit that changed each entry of a directory (by entry name), and the directory's own latest commit.
/// <see cref="Complete"/> is false when the history walk stopped at its bound before reaching every entry: the rest
/// show no commit rather than making the page slow.
/// </summary>
public sealed record LastCommits(CommitSummary? Latest, IReadOnlyDictionary<string, CommitSummary> ByName, bool Complete)
{
    public static LastCommits None { get; } = new(null, new Dictionary<string, CommitSummary>(), true);
}

/// <summary>Consecutive lines of a file that one commit last changed.</summary>
public sealed record BlameChunk(CommitSummary Commit, int FirstLine, IReadOnlyList<string> Lines);

/// <summary>A file's lines by the commit that last changed them; <see cref="Truncated"/> when the file or git's answer was too long to show all.</summary>
public sealed record BlameView(string Path, IReadOnlyList<BlameChunk> Chunks, bool Truncated);

/// <summary>
/// Two refs compared as GitHub and GitLab do: the commits on <see cref="HeadId"/> that <see cref="BaseId"/> lacks
/// (<see cref="Ahead"/>) and the reverse (<see cref="Behind"/>), and the changes since their merge base (none when the
/// histories share no commit).
/// </summary>
public sealed record Comparison(
    string BaseId,
    string HeadId,
    string? MergeBaseId,
    int Ahead,
    int Behind,
    IReadOnlyList<CommitSummary> Commits,
    IReadOnlyList<ChangedFile> Files,
    bool FilesTruncated,
    CommitDiff Diff);

/// <summary>One language's share of a tree's bytes.</summary>
public sealed record LanguageShare(string Name, string Color, long Bytes, double Percent);

/// <summary>The languages of a tree, largest first; <see cref="Partial"/> when the tree was too large to list whole.</summary>
public sealed record LanguageBreakdown(IReadOnlyList<LanguageShare> Languages, bool Partial);

/// <summary>A file as the raw and download endpoints serve it: its size in git, and the LFS object it stands for, if any.</summary>
public sealed record RawBlob(string Commit, string Path, long Size, Lfs.LfsPointer? Lfs);
