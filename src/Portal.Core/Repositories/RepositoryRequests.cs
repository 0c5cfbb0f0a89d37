namespace Portal.Core.Repositories;

/// <summary>
/// What a person asks for when creating a repository (from the API or the pages). Everything but the enums is
/// untrusted text. <paramref name="Visibility"/>: null for the default, private. <paramref name="CloneUrl"/>,
/// <paramref name="LfsUrl"/> and <paramref name="HostKeys"/> are for mirrors and migrations only; <paramref name="HostKeys"/>
/// are the known_hosts lines to pin for ssh upstreams (the connection test's, or typed in): without them the key the
/// server presents at the first sync is pinned. Pass the optional ones by name.
/// </summary>
public sealed record CreateRepositoryRequest(
    RepositoryMode Mode,
    string? Owner,
    string? Name,
    string? CloneUrl = null,
    RepositoryVisibility? Visibility = null,
    string? Description = null,
    UpstreamAuthRequest? Auth = null,
    int? IntervalHours = null,
    bool? Lfs = null,
    string? LfsUrl = null,
    string? HostKeys = null,
    MirrorRefOptions? Refs = null);

/// <summary>
/// How a mirror treats refs and pushes; null fields: the default (create) or unchanged (edit). <see cref="BranchFilter"/>
/// is a regular expression over branch names ("" for all branches); <see cref="OnlyProtectedBranches"/> takes only the
/// branches protected here instead; <see cref="MirrorTags"/> whether tags are taken; <see cref="WriteThrough"/> whether
/// pushes to Portal go to the upstream first.
/// </summary>
public sealed record MirrorRefOptions(bool? WriteThrough = null, string? BranchFilter = null, bool? OnlyProtectedBranches = null, bool? MirrorTags = null)
{
    public bool IsEmpty => WriteThrough is null && BranchFilter is null && OnlyProtectedBranches is null && MirrorTags is null;

    /// <summary>The options as sent; null when none was (a request that does not touch them).</summary>
    public static MirrorRefOptions? From(bool? writeThrough, string? branchFilter, bool? onlyProtectedBranches, bool? mirrorTags) =>
        new MirrorRefOptions(writeThrough, branchFilter, onlyProtectedBranches, mirrorTags) is { IsEmpty: false } options ? options : null;
}

/// <summary>Upstream credentials as given: a user name and password/token, or the id of a deploy key Portal generated.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record UpstreamAuthRequest(string? Username, string? Secret, string? DeployKeyId);

/// <summary>
/// An edit; null fields stay as they are, so pass the ones to change by name. An empty <see cref="LfsUrl"/> goes back to
/// the endpoint derived from the upstream URL; <paramref name="HostKeys"/> replaces the pinned SSH host keys ("" forgets
/// them: the next sync pins what the server presents).
/// </summary>
public sealed record UpdateRepositoryRequest(
    string? Description = null,
    RepositoryVisibility? Visibility = null,
    int? IntervalHours = null,
    bool? Lfs = null,
    UpstreamAuthRequest? Auth = null,
    string? LfsUrl = null,
    string? HostKeys = null,
    MirrorRefOptions? Refs = null)
{
    /// <summary>Whether the edit touches what only mirrors have: interval, LFS, credentials, host keys, write-through, filters.</summary>
    public bool ChangesMirrorSettings => IntervalHours is not null || Lfs is not null || Auth is not null || LfsUrl is not null || HostKeys is not null || Refs is { IsEmpty: false };
}

/// <summary>What a connection test found. For ssh, <paramref name="HostKeys"/> are the known_hosts lines seen (public data): pass them on to pin exactly these.</summary>
public sealed record ConnectionTestResult(int Branches, int Tags, string? DefaultBranch, IReadOnlyList<string> HostKeyFingerprints, string? HostKeys);
