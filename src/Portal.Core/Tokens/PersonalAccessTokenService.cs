using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;

namespace Portal.Core.Tokens;

/// <summary>Issues, lists, revokes and checks personal access tokens. The secret exists only in the creation answer.</summary>
public sealed class PersonalAccessTokenService(PortalDbContext db, TimeProvider clock, ILogger<PersonalAccessTokenService> logger)
{
    public const int MaxNameLength = 100;

    /// <summary>Every token starts with this, so secret scanners and people can recognise one.</summary>
    public const string TokenPrefix = "portal_";

    /// <summary>Writing "last used" on every request would turn reads into writes; once a minute is precise enough.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<Outcome<IssuedToken>> CreateAsync(string userId, string? name, TokenScopes scopes, DateTime? expiresAt, CancellationToken cancellationToken = default)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return PortalError.Invalid("Give the token a name, so you can recognise it later.");
        }

        if (name.Length > MaxNameLength)
        {
            return PortalError.Invalid($"Token names are at most {MaxNameLength} characters.");
        }

        if (scopes == TokenScopes.None || (scopes & ~TokenScopes.All) != 0)
        {
            return PortalError.Invalid("Choose at least one scope: read, write or api.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (expiresAt is { } expiry && expiry.ToUniversalTime() <= now)
        {
            return PortalError.Invalid("The expiry date must be in the future.");
        }

        var secret = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = new PersonalAccessToken
        {
            UserId = userId,
            Name = name,
            TokenHash = Hash(secret),
            DisplayPrefix = secret[..(TokenPrefix.Length + 4)],
            Scopes = scopes,
            CreatedAt = now,
            ExpiresAt = expiresAt?.ToUniversalTime(),
        };
        db.PersonalAccessTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Token {TokenId} ({Scopes}) created for {UserId}", token.Id, scopes, userId);
        return new IssuedToken(token, secret);
    }

    public async Task<IReadOnlyList<PersonalAccessToken>> ListAsync(string userId, CancellationToken cancellationToken = default) =>
        await db.PersonalAccessTokens.AsNoTracking()
            .Where(t => t.UserId == userId)
            .OrderByDescending(t => t.CreatedAt)
            .ToListAsync(cancellationToken);

    public async Task<Outcome<PersonalAccessToken>> RevokeAsync(string userId, long tokenId, CancellationToken cancellationToken = default)
    {
        var token = await db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, cancellationToken);
        if (token is null)
        {
            return PortalError.NotFound($"You have no token with id {tokenId}.");
        }

        token.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Token {TokenId} revoked", token.Id);
        return token;
    }

    /// <summary>Checks a presented token. The failure text is safe to show: it never repeats the token.</summary>
    public async Task<TokenCheck> CheckAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (!presented.StartsWith(TokenPrefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            return TokenCheck.Fail("That is not a Portal access token.");
        }

        var hash = Hash(presented);
        var token = await db.PersonalAccessTokens.Include(t => t.User).FirstOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (token?.User is null)
        {
            return TokenCheck.Fail("The access token is not valid: create a new one under Settings > Access tokens.");
        }

        if (token.RevokedAt is not null)
        {
            return TokenCheck.Fail($"The access token '{token.Name}' was revoked: create a new one under Settings > Access tokens.");
        }

        if (token.ExpiresAt is { } expiry && expiry <= now)
        {
            return TokenCheck.Fail($"The access token '{token.Name}' expired on {expiry:yyyy-MM-dd}: create a new one under Settings > Access tokens.");
        }

        if (token.LastUsedAt is null || now - token.LastUsedAt > LastUsedResolution)
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return new TokenCheck(token, null);
    }

    public static TokenScopes ParseScopes(IEnumerable<string>? names, out string? error)
    {
        error = null;
        var scopes = TokenScopes.None;
        foreach (var name in names ?? [])
        {
            switch (name?.Trim().ToLowerInvariant())
            {
                case "read": scopes |= TokenScopes.Read; break;
                case "write": scopes |= TokenScopes.Write; break;
                case "api": scopes |= TokenScopes.Api; break;
                default:
                    error = $"Unknown scope '{name}': use read, write or api.";
                    return TokenScopes.None;
            }
        }

        return scopes;
    }

    public static IReadOnlyList<string> ScopeNames(TokenScopes scopes) =>
        [.. new[] { (TokenScopes.Read, "read"), (TokenScopes.Write, "write"), (TokenScopes.Api, "api") }
            .Where(s => scopes.HasFlag(s.Item1)).Select(s => s.Item2)];

    internal static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed record IssuedToken(PersonalAccessToken Token, string Secret);

public sealed record TokenCheck(PersonalAccessToken? Token, string? Failure)
{
    public static TokenCheck Fail(string failure) => new(null, failure);
}
