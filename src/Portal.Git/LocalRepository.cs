namespace Portal.Git;

/// <summary>Operations on a bare repository Portal owns. Callers pass paths they derived themselves, never paths from users.</summary>
public sealed class LocalRepository(GitRunner git)
{
    public async Task InitBareAsync(string path, CancellationToken cancellationToken)
    {
        var result = await git.RunAsync(GitCommand.Create("init").Option("--bare").Option("--quiet").EndOfOptions().Value(path), cancellationToken: cancellationToken);
        EnsureSucceeded(result, "git init");
    }

    public async Task<RefSnapshot> ReadRefsAsync(string path, CancellationToken cancellationToken)
    {
        var refs = await git.RunAsync(GitCommand.Create("for-each-ref").Option("--format=%(objectname) %(refname)").OutputIsData(), path, cancellationToken: cancellationToken);
        EnsureSucceeded(refs, "git for-each-ref");
        return RefSnapshot.ParseForEachRef(refs.StandardOutput, await ReadSymbolicHeadAsync(path, cancellationToken));
    }

    /// <summary>
    /// The branch HEAD names, or null when it is detached. Read from the file rather than by a second git process
    /// (<c>symbolic-ref</c>): every sync reads refs, and on a no-op sync that process was a third of the work. Portal's
    /// repositories use the files ref backend, where a bare repository's HEAD is the line <c>ref: refs/heads/…</c>.
    /// </summary>
    private static async Task<string?> ReadSymbolicHeadAsync(string path, CancellationToken cancellationToken)
    {
        const string prefix = "ref: ";
        var line = (await File.ReadAllTextAsync(Path.Combine(path, "HEAD"), cancellationToken)).Trim();
        return line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..].Trim() : null;
    }

    /// <summary>Whether the repository has any branch or tag (a new hosted repository has none until its first push).</summary>
    public async Task<bool> HasBranchesOrTagsAsync(string path, CancellationToken cancellationToken)
    {
        var refs = await git.RunAsync(GitCommand.Create("for-each-ref").Option("--count=1").Option("--format=%(refname)").Value("refs/heads/").Value("refs/tags/"), path, cancellationToken: cancellationToken);
        EnsureSucceeded(refs, "git for-each-ref");
        return refs.StandardOutput.Trim().Length > 0;
    }

    /// <summary>Removes the <c>remote.origin</c> section a clone writes: Portal's repositories keep no upstream URL on disk.</summary>
    public async Task RemoveRemoteConfigAsync(string path, CancellationToken cancellationToken)
    {
        var result = await git.RunAsync(GitCommand.Create("config").Option("--remove-section").Option("remote.origin"), path, cancellationToken: cancellationToken);
        EnsureSucceeded(result, "git config --remove-section");
    }

    public async Task SetHeadAsync(string path, string refName, CancellationToken cancellationToken)
    {
        var result = await git.RunAsync(GitCommand.Create("symbolic-ref").Option("HEAD").Value(refName), path, cancellationToken: cancellationToken);
        EnsureSucceeded(result, "git symbolic-ref");
    }

    /// <summary>
    /// Applies <paramref name="updates"/> in one <c>update-ref</c> transaction: all or none, each checked against the old
    /// value it names (absent: the ref must not exist). NUL-separated input (<c>-z</c>), so no ref name an upstream
    /// advertised can be read as a second command; git refuses names that are not valid ref names.
    /// </summary>
    public async Task UpdateRefsAsync(string path, IReadOnlyCollection<RefUpdate> updates, CancellationToken cancellationToken)
    {
        if (updates.Count == 0)
        {
            return;
        }

        var input = new System.Text.StringBuilder();
        foreach (var update in updates)
        {
            input.Append(update switch
            {
                { NewSha: null } => $"delete {update.Name}\0{update.OldSha}\0",
                { OldSha: null } => $"create {update.Name}\0{update.NewSha}\0",
                _ => $"update {update.Name}\0{update.NewSha}\0{update.OldSha}\0",
            });
        }

        var result = await git.RunWithInputAsync(GitCommand.Create("update-ref").Option("-z").Option("--stdin"), input.ToString(), path, cancellationToken);
        EnsureSucceeded(result, "git update-ref");
    }

    /// <summary>Whether <paramref name="ancestor"/> is reachable from <paramref name="descendant"/> (a fast-forward).</summary>
    public async Task<bool> IsAncestorAsync(string path, string ancestor, string descendant, CancellationToken cancellationToken)
    {
        var result = await git.RunAsync(GitCommand.Create("merge-base").Option("--is-ancestor").Value(ancestor).Value(descendant), path, cancellationToken: cancellationToken);
        return result.ExitCode == 0;
    }

    /// <summary>
    /// Speeds up history and path-limited log for the project pages (99 ms → 13 ms on a 25k-commit repository).
    /// --split appends a layer for the new commits instead of rewriting the whole graph after every sync (git merges
    /// layers itself as they accumulate), so an incremental sync pays for its new commits only.
    /// </summary>
    public async Task WriteCommitGraphAsync(string path, CancellationToken cancellationToken)
    {
        var result = await git.RunAsync(GitCommand.Create("commit-graph").Option("write").Option("--reachable").Option("--changed-paths").Option("--split"), path, TimeSpan.FromMinutes(30), cancellationToken);
        EnsureSucceeded(result, "git commit-graph write");
    }

    public Task<GitResult> FsckAsync(string path, CancellationToken cancellationToken) =>
        git.RunAsync(GitCommand.Create("fsck").Option("--no-progress"), path, TimeSpan.FromMinutes(30), cancellationToken);

    private static void EnsureSucceeded(GitResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new GitException($"{what} failed: {result.ErrorMessage}");
        }
    }
}

/// <summary>One ref to create (no <see cref="OldSha"/>), move, or delete (no <see cref="NewSha"/>).</summary>
public sealed record RefUpdate(string Name, string? OldSha, string? NewSha);

/// <summary>A local git operation that should not fail did: a broken data folder, not an upstream problem.</summary>
public sealed class GitException(string message) : Exception(message);
