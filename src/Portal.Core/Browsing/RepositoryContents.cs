using Portal.Core.Hosting;
using Portal.Git;

namespace Portal.Core.Browsing;

/// <summary>Whether a repository has anything to browse yet, so its page can show how to fill it instead of a missing branch.</summary>
public sealed class RepositoryContents(LocalRepository local, DataDirectory dataDir)
{
    /// <summary>True with no folder yet (an import under way) or no branch and no tag (nothing pushed yet).</summary>
    public async Task<bool> IsEmptyAsync(long repositoryId, CancellationToken cancellationToken = default)
    {
        var path = dataDir.RepositoryPath(repositoryId);
        return !Directory.Exists(path) || !await local.HasBranchesOrTagsAsync(path, cancellationToken);
    }
}
