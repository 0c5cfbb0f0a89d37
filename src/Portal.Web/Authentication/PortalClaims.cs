using System.Security.Claims;
using Portal.Core.Tokens;

namespace Portal.Web.Authentication;

/// <summary>Claims the token handler adds, and helpers to read them back.</summary>
public static class PortalClaims
{
    public const string Scopes = "portal:scopes";

    /// <summary>"password" or "token": how the caller proved who they are.</summary>
    public const string Method = "portal:auth";

    public const string PasswordMethod = "password";

    public const string TokenMethod = "token";

    public static string UserId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller is not signed in.");

    public static TokenScopes TokenScopes(this ClaimsPrincipal principal) =>
        Enum.TryParse<TokenScopes>(principal.FindFirstValue(Scopes), out var scopes) ? scopes : Core.Tokens.TokenScopes.None;

    public static bool UsedPassword(this ClaimsPrincipal principal) => principal.FindFirstValue(Method) == PasswordMethod;
}
