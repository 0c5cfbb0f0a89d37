using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Web.Authentication;

/// <summary>What an LFS transfer does: the two operations of the batch API.</summary>
public enum LfsOperation
{
    Download,
    Upload,
}

/// <summary>
/// Short-lived tokens the LFS batch endpoint puts in each action's <c>header</c>, instead of echoing the caller's own
/// credentials (which would hand a password or long-lived token to wherever the href points). A token names one
/// repository, one operation and the user it was issued to, expires after <see cref="Lifetime"/>, and is sealed with
/// Data Protection (keys in the data folder), so it cannot be forged or widened. Only the LFS object endpoints accept it,
/// as <c>Authorization: RemoteAuth &lt;token&gt;</c>; the user's access is checked again when it is used.
/// </summary>
public sealed class LfsTransferTokens(IDataProtectionProvider protection, TimeProvider clock)
{
    /// <summary>The Authorization scheme of transfer tokens (as GitHub's LFS uses): no other endpoint accepts it.</summary>
    public const string Scheme = "RemoteAuth";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly IDataProtector protector = protection.CreateProtector("Portal.Lfs.TransferToken.v1");

    public string Issue(long repositoryId, LfsOperation operation, string userId)
    {
        var expires = (clock.GetUtcNow() + Lifetime).ToUnixTimeSeconds();
        return protector.Protect(string.Join('|', repositoryId.ToString(CultureInfo.InvariantCulture), operation.ToString(), expires.ToString(CultureInfo.InvariantCulture), userId));
    }

    /// <summary>The presented transfer token, if the request carries one (any other Authorization is left to the usual handler).</summary>
    public static string? Presented(HttpRequest request) =>
        AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) && header.Scheme.Equals(Scheme, StringComparison.OrdinalIgnoreCase)
            ? header.Parameter ?? ""
            : null;

    /// <summary>The user a token was issued to, if it is genuine, unexpired, and for this repository and operation.</summary>
    public LfsTokenCheck Check(string presented, long? repositoryId, LfsOperation operation)
    {
        string[] parts;
        try
        {
            parts = protector.Unprotect(presented).Split('|', 4);
        }
        catch (CryptographicException)
        {
            return LfsTokenCheck.Fail("The LFS transfer token is not valid: run the git lfs command again.");
        }

        if (parts.Length != 4 || !long.TryParse(parts[0], CultureInfo.InvariantCulture, out var tokenRepository)
            || !Enum.TryParse<LfsOperation>(parts[1], out var tokenOperation)
            || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var expires))
        {
            return LfsTokenCheck.Fail("The LFS transfer token is not valid: run the git lfs command again.");
        }

        if (clock.GetUtcNow().ToUnixTimeSeconds() >= expires)
        {
            return LfsTokenCheck.Fail("The LFS transfer token has expired: run the git lfs command again.");
        }

        if (tokenRepository != repositoryId)
        {
            return LfsTokenCheck.Fail("This LFS transfer token belongs to another repository.");
        }

        return tokenOperation == operation
            ? new LfsTokenCheck(parts[3], null)
            : LfsTokenCheck.Fail($"This LFS transfer token allows {tokenOperation.ToString().ToLowerInvariant()}s only.");
    }
}

public sealed record LfsTokenCheck(string? UserId, string? Failure)
{
    public static LfsTokenCheck Fail(string failure) => new(null, failure);
}
