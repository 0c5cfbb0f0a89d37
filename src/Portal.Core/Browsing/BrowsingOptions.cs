using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Browsing;

/// <summary>Settings under <c>Portal:Browsing</c>: how much of a repository a page reads from git.</summary>
public sealed class BrowsingOptions
{
    public const string Section = "Portal:Browsing";

    /// <summary>The most of a commit's diff the commit page shows; git is stopped there.</summary>
    [Range(4 * 1024, 256 * 1024 * 1024)]
    public int MaxDiffBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Files larger than this appear in diffs as binary, without git reading them (its core.bigFileThreshold), so a commit
    /// of huge files costs git no more memory than Portal.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxDiffFileBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>The largest file the raw and download links serve from git (Git LFS objects come from Portal's store, whatever their size).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRawBytes { get; set; } = 512L * 1024 * 1024;
}
