using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Mirroring;

/// <summary>
/// The git part of a pull-mirror sync, shared by the sync job and by write-through pushes (which fetch back what the
/// upstream accepted): <c>ls-remote</c> (stop if nothing the mirror takes changed), then a fetch of the changed refs'
/// objects by id and one <c>update-ref</c> transaction that creates, moves and deletes the refs the mirror's
/// <see cref="BranchFilter"/> takes (<see cref="RefUpdatePlan"/>); HEAD, LFS objects of the new commits. An upstream
/// that will not send objects by id gets the fetch by name (<c>fetch --atomic --prune</c> with negative refspecs). The
/// commit-graph is not written here: the caller asks for it (<see cref="CommitGraphTrigger"/>) once the change is
/// visible and recorded. A first import clones (or, when
/// the mirror leaves some of the upstream's refs out, fetches) into a temporary folder renamed into place only when
/// complete. It changes the tracked <see cref="Repository"/> (default
/// branch, a host key pinned on first contact); the caller saves it.
/// </summary>
public sealed class MirrorFetcher(
    PortalDbContext db,
    GitRunner git,
    LocalRepository local,
    UpstreamConnector connector,
    UpstreamProbe probe,
    UpstreamCredentialStore credentialStore,
    DataDirectory dataDir,
    IOptions<GitOptions> gitOptions,
    SyncProgressTracker progressTracker,
    MirrorLfsFetcher lfs,
    RepositoryLocks locks)
{
    /// <summary>Refs a mirror never takes: review refs of hosting services, which are many and not the project's.</summary>
    private static readonly string[] BaseRefspecs = ["+refs/*:refs/*", "^refs/pull/*", "^refs/merge-requests/*"];

    /// <summary>
    /// Brings <paramref name="repository"/> (tracked, with its upstream and credential) up to date; null changes: it
    /// already was. <paramref name="transferStarting"/> runs once it is known that refs will be fetched (never for a
    /// mirror that is already current), before the transfer.
    /// </summary>
    public async Task<Outcome<MirrorFetchResult>> FetchAsync(Repository repository, CancellationToken cancellationToken, Func<Task>? transferStarting = null)
    {
        var upstream = repository.Upstream!;
        var parsed = UpstreamUrl.Parse(upstream.Url);
        if (!parsed.Succeeded)
        {
            return parsed.Error!;
        }

        var filter = BranchFilter.For(upstream.BranchFilter, upstream.OnlyProtectedBranches, upstream.MirrorTags,
            upstream.OnlyProtectedBranches ? await db.ProtectedBranches.AsNoTracking().Where(b => b.RepositoryId == repository.Id).ToListAsync(cancellationToken) : []);
        if (!filter.Succeeded)
        {
            return PortalError.Invalid($"The mirror's branch filter cannot be used: {filter.Error!.Message} Fix it in the settings.");
        }

        var path = dataDir.RepositoryPath(repository.Id);
        var releasesBefore = locks.Releases(repository.Id);
        var url = parsed.Value!.Url;
        var credentials = credentialStore.Read(repository.Credential);
        var opened = await connector.OpenAsync(url, credentials, upstream.PinnedHostKey, cancellationToken);
        if (!opened.Succeeded)
        {
            return opened.Error!;
        }

        await using var session = opened.Value!;
        // The upstream is asked first (its answer is the long wait of a no-op sync), and the mirror's refs are read
        // meanwhile: enough to find the mirror current without the lock; anything else is decided on refs read again
        // under it. Started the other way round, the local read's process start delayed the upstream's by 1-4 ms.
        var listing = probe.ListRefsAsync(session, url, cancellationToken);
        var unlockedRefs = ReadRefsIfPresentAsync(path, cancellationToken);
        var listed = await listing;
        if (!listed.Succeeded)
        {
            return listed.Error!;
        }

        var remote = listed.Value!;
        if (session.NewlyScannedHostKeys is not null)
        {
            // First successful contact: from now on this key, and only this key, is accepted.
            upstream.PinnedHostKey = session.NewlyScannedHostKeys;
        }

        var wanted = new RefSnapshot(filter.Value!.Apply(remote.Refs), remote.Head);
        var head = IsUsableHead(remote.Head, wanted) ? remote.Head : ChooseHead(wanted);
        bool IsCurrent(RefSnapshot refs) => filter.Value.SameRefs(refs, wanted) && (head is null || head == refs.Head);
        var early = await unlockedRefs;
        if (early is not null && IsCurrent(early) && !MirrorLfsFetcher.IsPending(path))
        {
            return new MirrorFetchResult(null, null);
        }

        using var held = await locks.AcquireAsync(repository.Id, cancellationToken);
        var exists = Directory.Exists(path);
        // One ref read per sync: the unlocked one still holds when no writer on this node took the lock since it began
        // (only syncs and write-through fetches, under this lock, change a mirror's refs here).
        var before = !exists ? RefSnapshot.Empty
            : early is not null && locks.Releases(repository.Id) == releasesBefore ? early
            : await local.ReadRefsAsync(path, cancellationToken);
        var lfsPending = exists && MirrorLfsFetcher.IsPending(path);
        if (exists && IsCurrent(before))
        {
            if (!lfsPending)
            {
                return new MirrorFetchResult(null, null);
            }

            // Refs are current but an earlier LFS fetch did not complete: finish it without fetching refs again.
            return new MirrorFetchResult(null, await lfs.FetchAsync(repository, url, credentials, path, before, before, freshCopy: false, cancellationToken));
        }

        if (transferStarting is not null)
        {
            await transferStarting();
        }

        var target = exists ? path : Path.Combine(dataDir.TempPath, $"import-{repository.Id}-{Guid.NewGuid():N}.git");
        try
        {
            var byId = exists ? await UpdateByIdAsync(session, target, before, wanted, filter.Value, repository.Id, cancellationToken) : null;
            if (byId is { Succeeded: false } refused)
            {
                return refused.Error!;
            }

            if (byId is null)
            {
                var fetched = !exists && ClonesWhole(remote, wanted)
                    ? await CloneAsync(session, target, repository.Id, cancellationToken)
                    : await FetchRefsAsync(session, target, exists, filter.Value, remote, before, repository.Id, cancellationToken);
                if (!fetched.Succeeded)
                {
                    return PortalError.Invalid(GitErrorHints.Explain(fetched.ErrorMessage));
                }
            }

            if (head is not null && head != before.Head)
            {
                await local.SetHeadAsync(target, head, cancellationToken);
                repository.DefaultBranch = head.StartsWith("refs/heads/", StringComparison.Ordinal) ? head["refs/heads/".Length..] : head;
            }

            // A fetch by name may have brought refs created upstream after ls-remote: read what it wrote.
            var after = byId is not null
                ? new RefSnapshot(byId.Value.Value!, head ?? before.Head)
                : await DropStraysAsync(target, filter.Value, before, await local.ReadRefsAsync(target, cancellationToken), cancellationToken);
            var changes = await DiffAsync(target, before, after, cancellationToken);
            string? warning = null;
            if (changes.Count > 0 || lfsPending)
            {
                warning = await lfs.FetchAsync(repository, url, credentials, target, before, after, freshCopy: !exists, cancellationToken);
            }

            if (!exists)
            {
                // The rename is the commit point of an import: before it, nothing is visible; after it, everything is.
                Directory.Move(target, path);
            }

            return new MirrorFetchResult(changes, warning);
        }
        finally
        {
            if (!exists && Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
        }
    }

    /// <summary>
    /// Whether a first import may be a <c>clone --mirror</c>: only when the mirror takes every ref the upstream has (no
    /// review refs advertised, nothing left out by the filter), because clone ignores negative refspecs. Clone is the
    /// cheaper transfer: its pack is checked self-contained and connected by index-pack, where a fetch walks every
    /// object again (rev-list --objects) afterwards, and it writes the refs packed, not one loose file each.
    /// </summary>
    private static bool ClonesWhole(RefSnapshot remote, RefSnapshot wanted) =>
        remote.ExcludedByDefault == 0 && wanted.Refs.Count == remote.Refs.Count && wanted.Refs.Count > 0;

    /// <summary>
    /// A first import by <c>clone --mirror</c> into <paramref name="target"/> (which must not exist): the same pinned
    /// session, fsck of every object (GitRunner's transfer.fsckObjects), then the remote section clone writes is removed,
    /// so no upstream URL stays in the repository's config (fetches name the URL each time).
    /// </summary>
    private async Task<GitResult> CloneAsync(UpstreamSession session, string target, long repositoryId, CancellationToken cancellationToken)
    {
        var clone = session.Apply(GitCommand.Create("clone").Option("--mirror").Option("--no-local").Option("--progress")
            .EndOfOptions().Value(session.RemoteUrl).Value(target));
        var cloned = await git.RunAsync(clone, workingDirectory: null, gitOptions.Value.TransferTimeout, line => ReportProgress(repositoryId, line), cancellationToken);
        if (cloned.Succeeded)
        {
            await local.RemoveRemoteConfigAsync(target, cancellationToken);
        }

        return cloned;
    }

    /// <summary>
    /// One <c>fetch --atomic --prune</c> whose refspecs leave out what the mirror does not take (review refs, what the
    /// filter excludes), into the mirror or, for a first import, a fresh bare repository at <paramref name="target"/>.
    /// <c>--no-show-forced-updates</c>: fetch would walk each updated ref's history only to print "(forced update)";
    /// Portal decides fast-forward or forced itself from the refs before and after (as Gitaly does).
    /// </summary>
    private async Task<GitResult> FetchRefsAsync(UpstreamSession session, string target, bool exists, BranchFilter filter, RefSnapshot remote, RefSnapshot before, long repositoryId, CancellationToken cancellationToken)
    {
        if (!exists)
        {
            await local.InitBareAsync(target, cancellationToken);
        }

        var fetch = session.Apply(GitCommand.Create("fetch")
            .Option("--atomic").Option("--prune").Option("--force").Option("--no-write-fetch-head").Option("--no-auto-gc").Option("--no-show-forced-updates").Option("--progress")
            .Option("--stdin").EndOfOptions().Value(session.RemoteUrl));
        // Refspecs on stdin: a filter that leaves out many branches names each of them, more than argv should carry.
        var refspecs = string.Join('\n', Refspecs(filter, remote, before)) + "\n";
        return await git.RunAsync(fetch, target, gitOptions.Value.TransferTimeout, line => ReportProgress(repositoryId, line), cancellationToken, refspecs);
    }

    /// <summary>
    /// An incremental sync by object id (<see cref="RefUpdatePlan"/>): fetch the changed refs' objects, then apply every
    /// ref change in one <c>update-ref</c> transaction, each checked against the value this sync read. Returns the
    /// mirror's refs afterwards, a failure, or null when the fetch by name must do it instead: the upstream would not
    /// send objects by id, or the transaction was refused. A ref replaced by one beneath its name takes two transactions
    /// (deletions first), where <c>fetch --atomic --prune</c> failed every time and left the mirror stuck.
    /// </summary>
    private async Task<Outcome<IReadOnlyDictionary<string, string>>?> UpdateByIdAsync(UpstreamSession session, string path, RefSnapshot before, RefSnapshot wanted, BranchFilter filter, long repositoryId, CancellationToken cancellationToken)
    {
        var plan = RefUpdatePlan.Between(before, wanted, filter);
        if (plan is null)
        {
            return null;
        }

        var fetched = await FetchObjectsAsync(session, path, plan.ObjectsToFetch, repositoryId, cancellationToken);
        if (!fetched.Succeeded)
        {
            if (IsRefusedWant(fetched.ErrorMessage))
            {
                return null;
            }

            return PortalError.Invalid(GitErrorHints.Explain(fetched.ErrorMessage));
        }

        try
        {
            if (plan.ReplacesNames)
            {
                await local.UpdateRefsAsync(path, [.. plan.Updates.Where(u => u.NewSha is null)], cancellationToken);
                await local.UpdateRefsAsync(path, [.. plan.Updates.Where(u => u.NewSha is not null)], cancellationToken);
            }
            else
            {
                await local.UpdateRefsAsync(path, plan.Updates, cancellationToken);
            }
        }
        catch (GitException)
        {
            // A ref changed here since this sync read it: the fetch by name sets every ref from the upstream.
            return null;
        }

        return Outcome<IReadOnlyDictionary<string, string>>.Success(plan.AfterRefs);
    }

    /// <summary>
    /// The objects an incremental sync needs, asked for by id: ls-remote has just listed every ref, and when every
    /// refspec is an object id git skips listing them a second time (in the medium benchmark that listing was 90 of a
    /// fetch's 170 ms). Nothing is written to a ref (<c>--no-tags</c> keeps tag following from writing any either);
    /// <see cref="LocalRepository.UpdateRefsAsync"/> then moves them all in one transaction. The received objects are
    /// checked (transfer.fsckObjects) and their connectivity verified as in any fetch.
    /// </summary>
    private async Task<GitResult> FetchObjectsAsync(UpstreamSession session, string target, IReadOnlyList<string> objects, long repositoryId, CancellationToken cancellationToken)
    {
        if (objects.Count == 0)
        {
            // Only deletions: nothing to transfer.
            return new GitResult(0, "", "", TimedOut: false);
        }

        var fetch = session.Apply(GitCommand.Create("fetch")
            .Option("--no-tags").Option("--no-write-fetch-head").Option("--no-auto-gc").Option("--no-show-forced-updates").Option("--progress")
            .Option("--stdin").EndOfOptions().Value(session.RemoteUrl));
        return await git.RunAsync(fetch, target, gitOptions.Value.TransferTimeout, line => ReportProgress(repositoryId, line), cancellationToken, string.Join('\n', objects) + "\n");
    }

    /// <summary>
    /// An upstream that refused to send an object by id: a protocol v0 server (no allowReachableSHA1InWant) whose ref
    /// moved after ls-remote. The words are git's: fetch-pack's refusal and upload-pack's.
    /// </summary>
    internal static bool IsRefusedWant(string message) =>
        message.Contains("not our ref", StringComparison.OrdinalIgnoreCase) || message.Contains("unadvertised object", StringComparison.OrdinalIgnoreCase);

    /// <summary>The mirror's refs without the lock, or null when it has none yet or they cannot be read (then the locked read decides).</summary>
    private async Task<RefSnapshot?> ReadRefsIfPresentAsync(string path, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(path))
        {
            return null;
        }

        try
        {
            return await local.ReadRefsAsync(path, cancellationToken);
        }
        catch (Exception exception) when (exception is GitException or IOException or OperationCanceledException)
        {
            // Also when the run is cancelled: nobody may be left to observe this task (a failed listing returns first).
            return null;
        }
    }

    /// <summary>
    /// Everything but review refs, less what the filter leaves out: all tags when tags are off, and by name every branch
    /// (upstream or here) it does not take. Negative refspecs keep those refs from being fetched and from being pruned.
    /// </summary>
    internal static IEnumerable<string> Refspecs(BranchFilter filter, RefSnapshot remote, RefSnapshot local)
    {
        foreach (var refspec in BaseRefspecs)
        {
            yield return refspec;
        }

        if (!filter.Tags)
        {
            yield return "^refs/tags/*";
        }

        if (!filter.SelectsBranches)
        {
            yield break;
        }

        foreach (var name in remote.Refs.Keys.Union(local.Refs.Keys).Where(r => r.StartsWith("refs/heads/", StringComparison.Ordinal) && !filter.Includes(r)).Order(StringComparer.Ordinal))
        {
            yield return "^" + name;
        }
    }

    /// <summary>
    /// A branch created upstream between ls-remote and fetch was not named in the refspecs: if the filter does not take
    /// it, it is removed again here (it was not in the mirror before this sync), so the mirror holds only what it takes.
    /// So is a review ref that appeared upstream between ls-remote and an import's clone (which takes every ref).
    /// </summary>
    private async Task<RefSnapshot> DropStraysAsync(string path, BranchFilter filter, RefSnapshot before, RefSnapshot after, CancellationToken cancellationToken)
    {
        var strays = after.Refs.Where(r => !before.Refs.ContainsKey(r.Key) && (!filter.Includes(r.Key) || RefSnapshot.IsExcludedByDefault(r.Key))).ToList();
        if (strays.Count == 0)
        {
            return after;
        }

        await local.UpdateRefsAsync(path, [.. strays.Select(r => new RefUpdate(r.Key, r.Value, NewSha: null))], cancellationToken);
        return await local.ReadRefsAsync(path, cancellationToken);
    }

    private async Task<IReadOnlyList<RefChange>> DiffAsync(string path, RefSnapshot before, RefSnapshot after, CancellationToken cancellationToken)
    {
        var changes = new List<RefChange>();
        foreach (var (name, newSha) in after.Refs.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!before.Refs.TryGetValue(name, out var oldSha))
            {
                changes.Add(new RefChange { RefName = name, NewSha = newSha, Kind = RefChangeKind.Created });
            }
            else if (oldSha != newSha)
            {
                var fastForward = name.StartsWith("refs/heads/", StringComparison.Ordinal) && await local.IsAncestorAsync(path, oldSha, newSha, cancellationToken);
                changes.Add(new RefChange { RefName = name, OldSha = oldSha, NewSha = newSha, Kind = fastForward ? RefChangeKind.Updated : RefChangeKind.Forced });
            }
        }

        changes.AddRange(before.Refs
            .Where(r => !after.Refs.ContainsKey(r.Key))
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => new RefChange { RefName = r.Key, OldSha = r.Value, Kind = RefChangeKind.Deleted }));
        return changes;
    }

    /// <summary>
    /// When the upstream does not say where HEAD points, or points it somewhere Portal will not follow: main, then
    /// master, then the first usable branch.
    /// </summary>
    private static string? ChooseHead(RefSnapshot remote) =>
        new[] { "refs/heads/main", "refs/heads/master" }.FirstOrDefault(remote.Refs.ContainsKey)
        ?? remote.Refs.Keys.Where(r => IsUsableHead(r, remote)).Order(StringComparer.Ordinal).FirstOrDefault();

    /// <summary>
    /// HEAD must name a branch the mirror takes from the upstream, whose name could not be taken for an option: a hostile
    /// upstream may advertise anything (refs/heads/-x, a missing ref), and the default branch reaches every page.
    /// </summary>
    private static bool IsUsableHead(string? head, RefSnapshot remote) =>
        head is not null
        && head.StartsWith("refs/heads/", StringComparison.Ordinal)
        && !head.AsSpan("refs/heads/".Length).StartsWith("-")
        && remote.Refs.ContainsKey(head);

    private void ReportProgress(long repositoryId, string line)
    {
        if (SyncProgress.Parse(line) is { } progress)
        {
            progressTracker.Report(repositoryId, progress);
        }
    }
}

/// <summary>What a fetch changed (null: the mirror was already up to date) and any warning (Git LFS).</summary>
public sealed record MirrorFetchResult(IReadOnlyList<RefChange>? Changes, string? Warning);
