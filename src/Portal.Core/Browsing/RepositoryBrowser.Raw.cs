using Portal.Core.Lfs;
using Portal.Git;

namespace Portal.Core.Browsing;

public sealed partial class RepositoryBrowser
{
    /// <summary>
    /// The file at <paramref name="path"/> of a ref or commit as the raw and download endpoints serve it: its size, and
    /// the LFS object it stands for when it is a pointer. Null when there is no such file.
    /// </summary>
    public async Task<RawBlob?> RawAsync(long repositoryId, string refOrCommit, string path, CancellationToken cancellationToken)
    {
        var commit = await ResolveCommitAsync(repositoryId, refOrCommit, cancellationToken);
        if (commit is null || await DescribeAsync(repositoryId, Target(commit, path), cancellationToken) is not ("blob", var size))
        {
            return null;
        }

        LfsPointer? pointer = null;
        if (size < LfsPointer.MaxPointerBytes)
        {
            var content = await ReadAsync(repositoryId, GitCommand.Create("cat-file").Option("blob").EndOfOptions().Value(Target(commit, path)), LfsPointer.MaxPointerBytes, cancellationToken);
            pointer = content.Succeeded ? LfsPointer.TryParse(content.Bytes) : null;
        }

        return new RawBlob(commit, path, size, pointer);
    }

    /// <summary>
    /// Streams a file's content from git to <paramref name="destination"/>, at most <see cref="BrowsingOptions.MaxRawBytes"/>
    /// (git stopped there): memory stays flat whatever the file's size.
    /// </summary>
    public Task<GitCopyResult> CopyBlobAsync(long repositoryId, RawBlob blob, Stream destination, CancellationToken cancellationToken) =>
        git.CopyCappedAsync(GitCommand.Create("cat-file").Option("blob").EndOfOptions().Value(Target(blob.Commit, blob.Path)), Path(repositoryId), destination, options.Value.MaxRawBytes, cancellationToken);
}
