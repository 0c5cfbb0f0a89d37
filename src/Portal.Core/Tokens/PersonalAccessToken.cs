using Portal.Core.Accounts;

namespace Portal.Core.Tokens;

/// <summary>A personal access token. Only a SHA-256 hash of the secret is kept; the secret is shown once.</summary>
public sealed class PersonalAccessToken
{
    public long Id { get; set; }

    public required string UserId { get; set; }

    public PortalUser? User { get; set; }

    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole token. Tokens carry 256 random bits, so a fast hash is enough.</summary>
    public required string TokenHash { get; set; }

    /// <summary>The first characters of the token, shown in lists so a user can tell tokens apart.</summary>
    public required string DisplayPrefix { get; set; }

    public TokenScopes Scopes { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ExpiresAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

[Flags]
public enum TokenScopes
{
    None = 0,

    /// <summary>Clone and fetch repositories the user can read.</summary>
    Read = 1,

    /// <summary>Push to repositories the user can write (implies read over git).</summary>
    Write = 2,

    /// <summary>Use the REST API with the user's full rights.</summary>
    Api = 4,

    All = Read | Write | Api,
}
