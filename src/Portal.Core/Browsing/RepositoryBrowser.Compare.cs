using System.Globalization;
using Portal.Git;

namespace Portal.Core.Browsing;

public sealed partial class RepositoryBrowser
{
    /// <summary>The most commits a comparison lists (GitHub shows 250 too); the counts above it are exact.</summary>
    public const int MaxComparedCommits = 250;

    /// <summary>
    /// <paramref name="headRef"/> compared with <paramref name="baseRef"/>: ahead/behind counts, the commits the base
    /// lacks, and the changed files and diff from their merge base to the head, with the commit page's byte caps. Null
    /// when either names no commit.
    /// </summary>
    public async Task<Comparison?> CompareAsync(long repositoryId, string baseRef, string headRef, CancellationToken cancellationToken)
    {
        var baseId = await ResolveCommitAsync(repositoryId, baseRef, cancellationToken);
        var headId = await ResolveCommitAsync(repositoryId, headRef, cancellationToken);
        if (baseId is null || headId is null)
        {
            return null;
        }

        var mergeBase = await ReadAsync(repositoryId, GitCommand.Create("merge-base").EndOfOptions().Value(baseId).Value(headId), MaxShortAnswerBytes, cancellationToken);
        var mergeBaseId = mergeBase is { Succeeded: true, Truncated: false } && mergeBase.Text.Trim() is { Length: 40 } id ? id : null;
        // "<only in base> TAB <only in head>".
        var counts = await ReadAsync(repositoryId, GitCommand.Create("rev-list").Option("--left-right").Option("--count").EndOfOptions().Value($"{baseId}...{headId}"), MaxShortAnswerBytes, cancellationToken);
        var behindAhead = counts.Succeeded ? counts.Text.Trim().Split('\t') : [];
        var behind = behindAhead.Length == 2 && int.TryParse(behindAhead[0], NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : 0;
        var ahead = behindAhead.Length == 2 && int.TryParse(behindAhead[1], NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : 0;
        var commits = ahead == 0 ? [] : await LogAsync(repositoryId, [headId, "^" + baseId], null, 0, MaxComparedCommits, cancellationToken);
        if (mergeBaseId is null || mergeBaseId == headId)
        {
            return new Comparison(baseId, headId, mergeBaseId, ahead, behind, commits, [], false, new CommitDiff("", false, 0, options.Value.MaxDiffBytes));
        }

        var (files, filesTruncated, diff) = await ChangesAsync(repositoryId, [mergeBaseId, headId], cancellationToken);
        return new Comparison(baseId, headId, mergeBaseId, ahead, behind, commits, files, filesTruncated, diff);
    }

    /// <summary>How many commits a commit's history holds (touching <paramref name="path"/>, when given). Cached: it cannot change.</summary>
    public async Task<int?> CountAsync(long repositoryId, string commit, string? path, CancellationToken cancellationToken)
    {
        var counted = await cache.GetOrAddAsync("count", repositoryId, commit, path ?? "", async () =>
        {
            var command = GitCommand.Create("rev-list").Option("--count").EndOfOptions().Value(commit);
            if (!string.IsNullOrEmpty(path))
            {
                command.LiteralPaths(path);
            }

            var output = await ReadAsync(repositoryId, command, MaxShortAnswerBytes, cancellationToken);
            return output.Succeeded && int.TryParse(output.Text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? new CommitCount(count) : new CommitCount(null);
        }, c => c.Value is not null);
        return counted.Value;
    }

    private sealed record CommitCount(int? Value);
}
