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

public sealed record CommitDetail(CommitSummary Summary, string Message, IReadOnlyList<string> ParentIds, IReadOnlyList<ChangedFile> Files, string Diff, bool DiffTruncated);

public sealed record ChangedFile(string Status, string Path, int? Added, int? Deleted);

public enum BlobKind
{
    Text,
    Binary,
    LfsPointer,
}

/// <summary>A file's content for display: text up to a limit, or a label for binary and LFS files.</summary>
public sealed record BlobView(string Path, long Size, BlobKind Kind, string? Text, bool Truncated);
