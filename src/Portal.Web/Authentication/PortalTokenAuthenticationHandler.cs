using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Core.Accounts;
using Portal.Core.Tokens;

namespace Portal.Web.Authentication;

/// <summary>
/// Authenticates API and git clients from the Authorization header: <c>Bearer &lt;token&gt;</c>, or Basic with a
/// username and either a personal access token or the account password. Password attempts count towards lockout.
/// Failures answer 401 with a challenge git understands and a problem-details body that says what to do.
/// </summary>
public sealed class PortalTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PersonalAccessTokenService tokens,
    UserManager<PortalUser> users,
    SignInManager<PortalUser> signIn,
    AuthFailureLimiter limiter,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PortalToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || header.Parameter is null)
        {
            return AuthenticateResult.NoResult();
        }

        // The client's address (a known proxy's X-Forwarded-For already applied), never a header anyone can set.
        var address = Context.Connection.RemoteIpAddress?.ToString();
        string? claimedUser = null;
        var presentsToken = true;
        if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && TryDecodeBasic(header.Parameter, out var basicUser, out var basicSecret))
        {
            claimedUser = basicUser;
            presentsToken = basicSecret.StartsWith(PersonalAccessTokenService.TokenPrefix, StringComparison.Ordinal);
        }

        // Only password attempts are refused unchecked: a valid token always works, even from an address that is blocked.
        if (!presentsToken && limiter.IsBlocked(address, claimedUser))
        {
            return AuthenticateResult.Fail("Too many failed sign-ins from this address: wait a minute, then try again with the right password, or use an access token.");
        }

        var result = await AuthenticateHeaderAsync(header);
        if (result.Failure is not null)
        {
            // A failed token attempt counts against the address only: token attempts are never refused unchecked, so
            // counting them per name as well would only let one client grow the limiter's table without bound.
            limiter.RecordFailure(address, presentsToken ? null : claimedUser);
        }

        return result;
    }

    private async Task<AuthenticateResult> AuthenticateHeaderAsync(AuthenticationHeaderValue header)
    {
        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return await FromTokenAsync(header.Parameter!.Trim());
        }

        if (!header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail($"The '{header.Scheme}' authorization scheme is not supported: use Basic or Bearer.");
        }

        if (!TryDecodeBasic(header.Parameter!, out var userName, out var secret))
        {
            return AuthenticateResult.Fail("The Basic credentials are malformed: send base64 of 'username:password-or-token'.");
        }

        // As on GitHub and GitLab, a token sent as the Basic password identifies the user by itself.
        if (secret.StartsWith(PersonalAccessTokenService.TokenPrefix, StringComparison.Ordinal))
        {
            return await FromTokenAsync(secret);
        }

        return await FromPasswordAsync(userName, secret);
    }

    private async Task<AuthenticateResult> FromTokenAsync(string presented)
    {
        var check = await tokens.CheckAsync(presented, Context.RequestAborted);
        if (check.Token is null)
        {
            return AuthenticateResult.Fail(check.Failure!);
        }

        return Success(check.Token.User!, check.Token.Scopes, PortalClaims.TokenMethod);
    }

    private async Task<AuthenticateResult> FromPasswordAsync(string userName, string password)
    {
        var user = userName.Contains('@') ? await users.FindByEmailAsync(userName) : await users.FindByNameAsync(userName);
        if (user is null)
        {
            return AuthenticateResult.Fail("Wrong username or password.");
        }

        var result = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            var end = await users.GetLockoutEndDateAsync(user);
            return AuthenticateResult.Fail($"The account is locked after too many failed sign-ins; try again after {end:yyyy-MM-dd HH:mm} UTC.");
        }

        return result.Succeeded ? Success(user, TokenScopes.All, PortalClaims.PasswordMethod) : AuthenticateResult.Fail("Wrong username or password.");
    }

    private AuthenticateResult Success(PortalUser user, TokenScopes scopes, string method)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id),
                new Claim(ClaimTypes.Name, user.UserName!),
                new Claim(PortalClaims.Scopes, scopes.ToString()),
                new Claim(PortalClaims.Method, method),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // Basic first: git prompts for a username and password (or token) when it sees it.
        Response.Headers.Append("WWW-Authenticate", "Basic realm=\"Portal\", charset=\"UTF-8\"");
        Response.Headers.Append("WWW-Authenticate", "Bearer realm=\"Portal\"");
        await WriteProblemAsync(
            "Authentication required",
            failure ?? "Send your username and an access token (or password) with Basic auth, or a token as 'Authorization: Bearer <token>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblemAsync("Forbidden", "You do not have permission to do this.");
    }

    private async Task WriteProblemAsync(string title, string detail)
    {
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = Response.StatusCode, Title = title, Detail = detail },
        });
    }

    private static bool TryDecodeBasic(string parameter, out string userName, out string secret)
    {
        userName = secret = "";
        Span<byte> buffer = stackalloc byte[1024];
        if (parameter.Length > 1024 || !Convert.TryFromBase64String(parameter, buffer, out var written))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(buffer[..written]);
        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            return false;
        }

        userName = text[..colon];
        secret = text[(colon + 1)..];
        return secret.Length > 0;
    }
}
