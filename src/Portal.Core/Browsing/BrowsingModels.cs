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

public sealed record CommitSummary(string Id, string ShortId, string AuthorName, string AuthorEmail, DateTime AuthorDate, string Subject);

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
