namespace Portal.Core.Repositories;

/// <summary>
/// What a person asks for when creating a repository (from the API or the wizard). Everything is untrusted.
/// <paramref name="HostKeys"/>: for ssh upstreams, the known_hosts lines to pin (the connection test's, or typed in);
/// without them the key the server presents at the first sync is pinned.
/// </summary>
public sealed record CreateRepositoryRequest(
    string? CloneUrl,
    string? Mode,
    string? Owner,
    string? Name,
    string? Visibility,
    string? Description,
    UpstreamAuthRequest? Auth,
    int? IntervalHours,
    bool? Lfs,
    string? LfsUrl = null,
    string? HostKeys = null);

/// <summary>Upstream credentials as given: a user name and password/token, or the id of a deploy key Portal generated.</summary>
public sealed record UpstreamAuthRequest(string? Username, string? Secret, string? DeployKeyId);

/// <summary>
/// An edit; null fields stay as they are. An empty <see cref="LfsUrl"/> goes back to the endpoint derived from the
/// upstream URL; <paramref name="HostKeys"/> replaces the pinned SSH host keys ("" forgets them: the next sync pins what
/// the server presents).
/// </summary>
public sealed record UpdateRepositoryRequest(string? Description, string? Visibility, int? IntervalHours, bool? Lfs, UpstreamAuthRequest? Auth, string? LfsUrl = null, string? HostKeys = null);

/// <summary>What a connection test found. For ssh, <paramref name="HostKeys"/> are the known_hosts lines seen (public data): pass them on to pin exactly these.</summary>
public sealed record ConnectionTestResult(int Branches, int Tags, string? DefaultBranch, IReadOnlyList<string> HostKeyFingerprints, string? HostKeys);
