using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Lfs;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Mirroring;

/// <summary>
/// After a mirror's refs are fetched, brings in the Git LFS objects the new commits point to: Portal finds the pointers
/// itself (git plumbing over the commits this sync brought), skips objects it already has, and downloads the rest
/// in-process through the address-checked door (<see cref="LfsBatchDownloader"/>). git-lfs is not run.
/// <para>
/// A failure is a warning, not a failed sync: the refs are already safely updated. A marker file in the repository
/// folder then records the old tips the scan started from, so the next sync covers the commits of both syncs.
/// </para>
/// </summary>
public sealed class MirrorLfsFetcher(
    LfsPointerScanner scanner,
    LfsBatchDownloader downloader,
    LfsObjectStore store,
    SyncProgressTracker progressTracker,
    IOptions<GitOptions> gitOptions,
    ILogger<MirrorLfsFetcher> logger)
{
    /// <summary>Present in a repository folder while LFS objects may be missing; holds the old tips (one id a line) still owed a scan.</summary>
    public const string PendingMarker = "portal-lfs-pending";

    /// <summary>Objects fetched in one sync at most; more are left to the next (the scan finds them again, present ones are skipped).</summary>
    internal const int MaxObjectsPerSync = 100_000;

    private const int MaxFailuresShown = 10;

    /// <summary>Whether an earlier sync left LFS work unfinished.</summary>
    public static bool IsPending(string repositoryPath) => File.Exists(Path.Combine(repositoryPath, PendingMarker));

    /// <summary>The run's note when the pre-check finds no LFS in use: the LFS server is not asked at all.</summary>
    public const string NoLfsInUse = "Git LFS: not used by the new commits (no LFS pointers in an import, no .gitattributes routing files through filter=lfs in a sync); the LFS server was not asked.";

    /// <summary>
    /// Fetches what the commits between <paramref name="before"/> and <paramref name="after"/> need (plus what an earlier
    /// sync left pending). Returns the text for the sync run: how many objects were fetched, that none were needed, or
    /// a warning, or <see cref="NoLfsInUse"/>; null when the mirror does not fetch LFS or no ref has new commits.
    /// </summary>
    public async Task<string?> FetchAsync(Repository repository, UpstreamUrl url, UpstreamCredentials credentials, string repositoryPath, RefSnapshot before, RefSnapshot after, bool freshCopy, CancellationToken cancellationToken)
    {
        var marker = Path.Combine(repositoryPath, PendingMarker);
        if (!repository.Upstream!.FetchLfs)
        {
            File.Delete(marker);
            return null;
        }

        var excluded = File.Exists(marker) ? await ReadMarkerAsync(marker, cancellationToken) : [.. before.Refs.Values.Distinct(StringComparer.Ordinal)];
        var excludedSet = excluded.ToHashSet(StringComparer.Ordinal);
        var tips = after.Refs.Values.Where(tip => !excludedSet.Contains(tip)).Distinct(StringComparer.Ordinal).ToList();
        if (tips.Count == 0)
        {
            File.Delete(marker);
            return null;
        }

        // Written before anything can fail half way, so a crash also leaves the work owed to the next sync.
        await File.WriteAllLinesAsync(marker, excluded, cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(gitOptions.Value.TransferTimeout);
        try
        {
            var scan = await ScanAsync(repository.Id, repositoryPath, freshCopy, tips, excluded, deadline.Token);
            if (scan is null)
            {
                // Said in the activity, so a fast import of a repository without LFS is explained, not a mystery.
                File.Delete(marker);
                return NoLfsInUse;
            }

            var missing = scan.Pointers.Where(p => store.SizeOf(repository.Id, p.Oid) is null).ToList();
            var more = scan.Truncated ? $" The new commits reference more than {MaxObjectsPerSync} LFS objects: the rest follow in the next sync." : "";
            if (missing.Count == 0)
            {
                DeleteUnless(scan.Truncated, marker);
                return (scan.Pointers.Count == 0
                    ? "Git LFS: the new commits reference no LFS objects; none were needed."
                    : $"Git LFS: all {Objects(scan.Pointers.Count)} the new commits reference were already here; none were needed.") + more;
            }

            var endpoint = LfsEndpoint.For(url, repository.Upstream.LfsUrl);
            if (!endpoint.Succeeded)
            {
                return $"Warning: Git LFS objects were not fetched; the next sync tries again.\n{endpoint.Error!.Message}";
            }

            progressTracker.Report(repository.Id, new SyncProgress("Fetching LFS objects", null));
            var source = LfsSource.ForRemote(endpoint.Value!, url, credentials);
            var report = await downloader.DownloadAsync(repository.Id, source, missing, deadline.Token);
            DeleteUnless(!report.Complete || scan.Truncated, marker);
            return Describe(report, missing.Count, scan.Pointers.Count - missing.Count) + more;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The refs are already safely updated: whatever went wrong with LFS is a warning, and the marker owes the
            // work to the next sync, never a failed (or, for an import, discarded) sync.
            var reason = exception switch
            {
                GitException or IOException or HttpRequestException => CredentialScrubber.Scrub(exception.Message, credentials.Secrets),
                OperationCanceledException => "it did not finish within Portal:Git:TransferTimeout.",
                _ => "Portal hit an internal error (details are in the server log).",
            };
            logger.LogWarning(exception, "LFS fetch for repository {RepositoryId} failed: {Reason}", repository.Id, reason);
            return $"Warning: Git LFS objects were not fetched; the next sync tries again.\n{reason}";
        }
    }

    /// <summary>
    /// The pointers the new commits hold; null when LFS is not used by them. A fresh copy (a first import into an empty
    /// folder) holds only objects the new commits brought, so every object is searched at once, in pack order; a sync
    /// into an existing mirror asks the tips' .gitattributes first and walks the new history only when one uses LFS.
    /// </summary>
    private async Task<LfsScan?> ScanAsync(long repositoryId, string repositoryPath, bool freshCopy, IReadOnlyCollection<string> tips, IReadOnlyCollection<string> excluded, CancellationToken cancellationToken)
    {
        if (freshCopy)
        {
            progressTracker.Report(repositoryId, new SyncProgress("Finding LFS objects", null));
            var everything = await scanner.ScanEveryObjectAsync(repositoryPath, MaxObjectsPerSync, cancellationToken);
            return everything.Pointers.Count == 0 ? null : everything;
        }

        if (!await scanner.MentionsLfsAsync(repositoryPath, tips, cancellationToken))
        {
            return null;
        }

        progressTracker.Report(repositoryId, new SyncProgress("Finding LFS objects", null));
        return await scanner.ScanAsync(repositoryPath, tips, excluded, MaxObjectsPerSync, cancellationToken);
    }

    private static string Describe(LfsDownloadReport report, int missing, int present)
    {
        var already = present switch
        {
            0 => "",
            1 => " 1 was already here.",
            _ => $" {present} were already here.",
        };
        if (report.Complete)
        {
            return $"Git LFS: fetched {Objects(report.Fetched)} ({Size(report.FetchedBytes)}).{already}";
        }

        if (report.NoServer && report.Fetched == 0)
        {
            return "Warning: the upstream has no Git LFS server, so LFS objects were not fetched (Git data is complete); the next sync tries again. " +
                   $"If its LFS objects live elsewhere, set the mirror's LFS URL.\n{report.Stopped}";
        }

        var lines = new List<string>
        {
            $"Warning: Git LFS: {report.Failures.Count + report.NotTried} of {missing} objects not fetched; the next sync tries again. Fetched {Objects(report.Fetched)} ({Size(report.FetchedBytes)}).{already}",
        };
        if (report.Stopped is not null)
        {
            lines.Add(report.Stopped);
        }

        lines.AddRange(report.Failures.Take(MaxFailuresShown));
        if (report.Failures.Count > MaxFailuresShown)
        {
            lines.Add($"… and {report.Failures.Count - MaxFailuresShown} more.");
        }

        return string.Join('\n', lines);
    }

    private static async Task<List<string>> ReadMarkerAsync(string marker, CancellationToken cancellationToken) =>
        [.. (await File.ReadAllLinesAsync(marker, cancellationToken)).Select(l => l.Trim()).Where(l => l.Length is 40 or 64 && l.All(char.IsAsciiHexDigitLower))];

    private static void DeleteUnless(bool keep, string marker)
    {
        if (!keep)
        {
            File.Delete(marker);
        }
    }

    private static string Objects(int count) => count == 1 ? "1 object" : $"{count} objects";

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.# KiB", CultureInfo.InvariantCulture),
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.# MiB", CultureInfo.InvariantCulture),
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.## GiB", CultureInfo.InvariantCulture),
    };
}
