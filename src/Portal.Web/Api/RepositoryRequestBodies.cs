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
    bool? MirrorTags = null,
    MirrorSettingsBody? Mirror = null)
{
    public Outcome<CreateRepositoryRequest> ToRequest()
    {
        var settings = MirrorSettingsBody.Merge(IntervalHours, Lfs, LfsUrl, HostKeys, Mirror);
        if (!settings.Succeeded)
        {
            return settings.Error!;
        }

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
            IntervalHours: settings.Value!.IntervalHours,
            Lfs: settings.Value.Lfs,
            LfsUrl: settings.Value.LfsUrl,
            HostKeys: settings.Value.HostKeys,
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
    bool? MirrorTags = null,
    MirrorSettingsBody? Mirror = null)
{
    public Outcome<UpdateRepositoryRequest> ToRequest()
    {
        var settings = MirrorSettingsBody.Merge(IntervalHours, Lfs, LfsUrl, HostKeys, Mirror);
        if (!settings.Succeeded)
        {
            return settings.Error!;
        }

        var visibility = RepositoryEnumText.OptionalVisibility(Visibility);
        if (!visibility.Succeeded)
        {
            return visibility.Error!;
        }

        return new UpdateRepositoryRequest(
            Description: Description,
            Visibility: visibility.Value,
            IntervalHours: settings.Value!.IntervalHours,
            Lfs: settings.Value.Lfs,
            Auth: Auth,
            LfsUrl: settings.Value.LfsUrl,
            HostKeys: settings.Value.HostKeys,
            Refs: MirrorRefOptions.From(WriteThrough, BranchFilter, OnlyProtectedBranches, MirrorTags));
    }
}

/// <summary>
/// A mirror's settings nested as <c>GET</c> shows them: <c>"mirror": {"intervalHours": 6, "lfs": false}</c>. Each
/// may be sent there or at the top level, not both; <c>auth</c> stays at the top level (the response's <c>auth</c> is
/// only the kind of credentials stored).
/// </summary>
public sealed record MirrorSettingsBody(int? IntervalHours = null, bool? Lfs = null, string? LfsUrl = null, string? HostKeys = null)
{
    /// <summary>The top-level fields and the nested ones as one set, or the refusal of a field sent in both places.</summary>
    public static Outcome<MirrorSettingsBody> Merge(int? intervalHours, bool? lfs, string? lfsUrl, string? hostKeys, MirrorSettingsBody? nested)
    {
        if (nested is null)
        {
            return new MirrorSettingsBody(intervalHours, lfs, lfsUrl, hostKeys);
        }

        string[] twice =
        [
            .. intervalHours is not null && nested.IntervalHours is not null ? ["intervalHours"] : Array.Empty<string>(),
            .. lfs is not null && nested.Lfs is not null ? ["lfs"] : Array.Empty<string>(),
            .. lfsUrl is not null && nested.LfsUrl is not null ? ["lfsUrl"] : Array.Empty<string>(),
            .. hostKeys is not null && nested.HostKeys is not null ? ["hostKeys"] : Array.Empty<string>(),
        ];
        if (twice.Length > 0)
        {
            return PortalError.Invalid($"{string.Join(", ", twice)} sent both at the top level and in \"mirror\": send each once.");
        }

        return new MirrorSettingsBody(intervalHours ?? nested.IntervalHours, lfs ?? nested.Lfs, lfsUrl ?? nested.LfsUrl, hostKeys ?? nested.HostKeys);
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
