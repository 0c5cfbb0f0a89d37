using Microsoft.Extensions.Options;
using Portal.Git;

namespace Portal.Core.Lfs;

/// <summary>
/// Sends another LFS server the objects that commits Portal is about to push there point to: the pointers in the blobs
/// reachable from the new tips and not from what the remote already has, found with git plumbing (never git-lfs), then
/// uploaded from Portal's store (<see cref="LfsBatchUploader"/>). Used before a write-through push's refs reach the
/// upstream and before a push mirror's refs reach its target.
/// </summary>
public sealed class LfsForwarder(LfsPointerScanner scanner, LfsBatchUploader uploader, IOptions<GitOptions> gitOptions)
{
    private const int MaxObjects = 100_000;

    /// <summary>Null when the new commits use no LFS objects; else what the upload did.</summary>
    public async Task<LfsUploadReport?> ForwardAsync(long repositoryId, string gitPath, IReadOnlyCollection<string> tips, IReadOnlyCollection<string> excluded, LfsSource target, CancellationToken cancellationToken)
    {
        var newTips = tips.Except(excluded, StringComparer.Ordinal).Distinct(StringComparer.Ordinal).ToList();
        if (newTips.Count == 0)
        {
            return null;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(gitOptions.Value.TransferTimeout);
        if (!await scanner.MentionsLfsAsync(gitPath, newTips, deadline.Token))
        {
            return null;
        }

        var scan = await scanner.ScanAsync(gitPath, newTips, excluded, MaxObjects, deadline.Token);
        return scan.Pointers.Count == 0 ? null : await uploader.UploadAsync(repositoryId, target, scan.Pointers, deadline.Token);
    }
}
