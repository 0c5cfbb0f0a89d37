using Portal.Core;
using Portal.Core.Repositories;

namespace Portal.Web.Api;

/// <summary>
/// The JSON body of <c>POST /api/v1/repos</c> as sent. Mode and visibility arrive as text and are parsed here, at the
/// boundary, into the enums Core takes; anything else is refused with the message that lists the choices.
/// </summary>
public sealed record CreateRepositoryBody(
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
    string? HostKeys = null,
    bool? WriteThrough = null,
    string? BranchFilter = null,
    bool? OnlyProtectedBranches = null,
    bool? MirrorTags = null)
{
    public Outcome<CreateRepositoryRequest> ToRequest()
    {
        if (RepositoryEnumText.Mode(Mode) is not { } mode)
        {
            return RepositoryInputValidator.UnknownMode;
        }

        var visibility = RepositoryEnumText.OptionalVisibility(Visibility);
        if (!visibility.Succeeded)
        {
            return visibility.Error!;
        }

        return new CreateRepositoryRequest(
            mode,
            Owner,
            Name,
            CloneUrl: CloneUrl,
            Visibility: visibility.Value,
            Description: Description,
            Auth: Auth,
            IntervalHours: IntervalHours,
            Lfs: Lfs,
            LfsUrl: LfsUrl,
            HostKeys: HostKeys,
            Refs: MirrorRefOptions.From(WriteThrough, BranchFilter, OnlyProtectedBranches, MirrorTags));
    }
}

/// <summary>The JSON body of <c>PATCH /api/v1/repos/{owner}/{name}</c> as sent; null fields stay as they are.</summary>
/// <remarks>writeThrough, branchFilter ("" for all branches), onlyProtectedBranches and mirrorTags apply to mirrors only.</remarks>
public sealed record UpdateRepositoryBody(
    string? Description,
    string? Visibility,
    int? IntervalHours,
    bool? Lfs,
    UpstreamAuthRequest? Auth,
    string? LfsUrl = null,
    string? HostKeys = null,
    bool? WriteThrough = null,
    string? BranchFilter = null,
    bool? OnlyProtectedBranches = null,
    bool? MirrorTags = null)
{
    public Outcome<UpdateRepositoryRequest> ToRequest()
    {
        var visibility = RepositoryEnumText.OptionalVisibility(Visibility);
        if (!visibility.Succeeded)
        {
            return visibility.Error!;
        }

        return new UpdateRepositoryRequest(
            Description: Description,
            Visibility: visibility.Value,
            IntervalHours: IntervalHours,
            Lfs: Lfs,
            Auth: Auth,
            LfsUrl: LfsUrl,
            HostKeys: HostKeys,
            Refs: MirrorRefOptions.From(WriteThrough, BranchFilter, OnlyProtectedBranches, MirrorTags));
    }
}

/// <summary>The API's words for modes and visibilities, case-insensitive and trimmed: "migrate" and "migrated" are one mode.</summary>
internal static class RepositoryEnumText
{
    public static RepositoryMode? Mode(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "mirror" => RepositoryMode.Mirror,
        "migrate" or "migrated" => RepositoryMode.Migrated,
        "hosted" => RepositoryMode.Hosted,
        _ => null,
    };

    /// <summary>Null when not sent (the default, or unchanged); otherwise one of the three words.</summary>
    public static Outcome<RepositoryVisibility?> OptionalVisibility(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => (RepositoryVisibility?)null,
        "public" => RepositoryVisibility.Public,
        "internal" => RepositoryVisibility.Internal,
        "private" => RepositoryVisibility.Private,
        _ => RepositoryInputValidator.UnknownVisibility,
    };
}
