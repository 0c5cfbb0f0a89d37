using Microsoft.Extensions.Options;
using Portal.Core.Mirroring;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Repositories;

/// <summary>
/// The checks of the inputs creating and editing a repository share (description, visibility, sync interval, upstream
/// credentials, SSH host keys, LFS URL), written once. Each turns untrusted input into the value to store, or into the
/// error that says what to do; none of them writes anything.
/// </summary>
public sealed class RepositoryInputValidator(DeployKeyService deployKeys, UpstreamConnector connector, SshTools ssh, IOptions<SyncOptions> syncOptions)
{
    public const int MaxDescriptionLength = 2000;

    /// <summary>The longest sync interval a mirror may ask for: a year.</summary>
    public const int MaxIntervalHours = 24 * 365;

    /// <summary>The refusal of a mode the API does not know (the API parses the mode's text; the message is one).</summary>
    public static readonly PortalError UnknownMode = PortalError.Invalid("Choose a mode: \"mirror\" (keep a read-only copy in sync), \"migrate\" (copy once, then host here) or \"hosted\" (a new empty repository).");

    /// <summary>The refusal of a visibility the API does not know.</summary>
    public static readonly PortalError UnknownVisibility = PortalError.Invalid("Visibility must be \"public\", \"internal\" or \"private\".");

    /// <summary>The shortest interval, in whole hours, for forms that ask in hours.</summary>
    public int MinIntervalHours => Math.Max(1, (int)Math.Ceiling(syncOptions.Value.MinInterval.TotalHours));

    /// <summary>The default interval in whole hours, for forms that start with it.</summary>
    public int DefaultIntervalHours => Math.Max(MinIntervalHours, (int)syncOptions.Value.DefaultInterval.TotalHours);

    /// <summary>The description trimmed; null stays null ("unchanged" in an edit).</summary>
    public static Outcome<string?> Description(string? text)
    {
        var description = text?.Trim();
        return description?.Length > MaxDescriptionLength ? PortalError.Invalid($"Descriptions are at most {MaxDescriptionLength} characters.") : description;
    }

    /// <summary>A visibility the caller chose (null: <paramref name="fallback"/>); values outside the enum are refused.</summary>
    public static Outcome<RepositoryVisibility> Visibility(RepositoryVisibility? visibility, RepositoryVisibility fallback)
    {
        var chosen = visibility ?? fallback;
        return Enum.IsDefined(chosen) ? chosen : UnknownVisibility;
    }

    /// <summary>The sync interval: <c>Portal:Sync:DefaultInterval</c> when not given, else at least <c>Portal:Sync:MinInterval</c> and at most a year.</summary>
    public Outcome<TimeSpan> Interval(int? hours)
    {
        if (hours is null)
        {
            return syncOptions.Value.DefaultInterval;
        }

        var interval = TimeSpan.FromHours(hours.Value);
        if (interval < syncOptions.Value.MinInterval || hours > MaxIntervalHours)
        {
            return PortalError.Invalid($"The sync interval must be between {syncOptions.Value.MinInterval.TotalHours:0} hour(s) and a year.");
        }

        return interval;
    }

    /// <summary>
    /// The credentials to use for <paramref name="upstream"/>: a deploy key the actor generated (ssh only), or a user name
    /// and secret (given, or embedded in the URL; none for git:// and ssh). For a deploy key, also its public half.
    /// </summary>
    public async Task<Outcome<ResolvedCredentials>> CredentialsAsync(string actorUserId, ParsedUpstreamUrl upstream, UpstreamAuthRequest? auth, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(auth?.DeployKeyId))
        {
            if (!upstream.Url.AuthenticatesWithDeployKey)
            {
                return PortalError.Invalid("A deploy key works over SSH only: use an ssh:// or user@host:path URL, or a token for https.");
            }

            var key = await deployKeys.ReadPendingAsync(actorUserId, auth.DeployKeyId, cancellationToken);
            if (key is null)
            {
                return PortalError.Invalid("That deploy key does not exist or is not yours: generate a new one.");
            }

            return new ResolvedCredentials(new UpstreamCredentials(null, null, key.Value.PrivateKey), key.Value.PublicKey);
        }

        var userName = string.IsNullOrWhiteSpace(auth?.Username) ? upstream.EmbeddedUserName : auth.Username.Trim();
        var secret = string.IsNullOrEmpty(auth?.Secret) ? upstream.EmbeddedPassword : auth.Secret;
        if (userName?.Length > 255 || secret?.Length > 4096 || (userName ?? "").Any(char.IsControl) || (secret ?? "").Any(char.IsControl))
        {
            return PortalError.Invalid("The user name or secret is too long or contains control characters.");
        }

        if (upstream.Url.Scheme is "git" && secret is not null)
        {
            return PortalError.Invalid("git:// has no authentication: use https:// with a token, or ssh:// with a deploy key.");
        }

        if (upstream.Url.AuthenticatesWithDeployKey && secret is not null)
        {
            return PortalError.Invalid("Over SSH Portal authenticates with a deploy key, not a password: generate a deploy key, or use an https:// URL with a token.");
        }

        return new ResolvedCredentials(new UpstreamCredentials(string.IsNullOrEmpty(secret) ? null : userName, string.IsNullOrEmpty(secret) ? null : secret, null), null);
    }

    /// <summary>
    /// Host keys to pin (known_hosts text): null when none were given, or, with <paramref name="allowEmpty"/> (an edit),
    /// when an empty text asks to forget them.
    /// </summary>
    public async Task<Outcome<string?>> HostKeysAsync(string? input, UpstreamUrl url, CancellationToken cancellationToken, bool allowEmpty = false)
    {
        if (input is null || (allowEmpty && string.IsNullOrWhiteSpace(input) && url.HasHostKeys))
        {
            return (string?)null;
        }

        var checkedKeys = await HostKeyInput.CheckAsync(input, url, ssh, cancellationToken);
        return checkedKeys.Succeeded ? checkedKeys.Value : checkedKeys.Error!;
    }

    /// <summary>
    /// Checks a mirror's ref options as they would stand after the change (a regular expression or protected branches
    /// only, not both; a regular expression that compiles within limits); null when they are fine.
    /// </summary>
    public static PortalError? MirrorRefs(MirrorRefOptions refs, UpstreamSource? current)
    {
        var branchFilter = refs.BranchFilter ?? current?.BranchFilter;
        return BranchFilter.CheckChoice(branchFilter, refs.OnlyProtectedBranches ?? current?.OnlyProtectedBranches ?? false);
    }

    /// <summary>Writes checked ref options into the upstream: what the options leave out stays ("" clears the branch filter).</summary>
    public static void ApplyMirrorRefs(MirrorRefOptions refs, UpstreamSource upstream)
    {
        upstream.WriteThrough = refs.WriteThrough ?? upstream.WriteThrough;
        upstream.BranchFilter = refs.BranchFilter is null ? upstream.BranchFilter : string.IsNullOrWhiteSpace(refs.BranchFilter) ? null : refs.BranchFilter.Trim();
        upstream.OnlyProtectedBranches = refs.OnlyProtectedBranches ?? upstream.OnlyProtectedBranches;
        upstream.MirrorTags = refs.MirrorTags ?? upstream.MirrorTags;
    }

    /// <summary>The Git LFS URL to store (normalised, its host allowed by the address policy); null when blank (derive it).</summary>
    public async Task<Outcome<string?>> LfsUrlAsync(string? input, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return (string?)null;
        }

        var checkedUrl = await connector.CheckLfsUrlAsync(input, cancellationToken);
        return checkedUrl.Succeeded ? checkedUrl.Value : checkedUrl.Error!;
    }
}

/// <summary>Upstream credentials as resolved for use, and the public half of a deploy key when they are one.</summary>
public sealed record ResolvedCredentials(UpstreamCredentials Credentials, string? PublicKey);
