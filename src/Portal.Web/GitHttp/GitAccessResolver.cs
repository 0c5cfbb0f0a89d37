using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Portal.Core.Repositories;
using Portal.Core.Tokens;
using Portal.Web.Authentication;

namespace Portal.Web.GitHttp;

/// <summary>The outcome of checking a git (or LFS) request: the repository to serve, or the refusal to send.</summary>
public sealed record GitAccess(Repository? Repository, RepositoryRole Role, ClaimsPrincipal? User, GitRefusal? Refusal)
{
    public string? UserId => User?.FindFirstValue(ClaimTypes.NameIdentifier);

    public string? UserName => User?.FindFirstValue(ClaimTypes.Name);
}

/// <summary>Why a git request is refused: the status, and a message git prints to the user as "remote: …".</summary>
public sealed record GitRefusal(int Status, string Message, bool Challenge);

/// <summary>
/// Decides what a git client may do, from the Authorization header only (never a cookie). A repository the caller
/// cannot read answers exactly as a missing one would: 401 with a challenge when anonymous (so git prompts), 404 once
/// authenticated, so names do not leak.
/// </summary>
public sealed class GitAccessResolver(RepositoryAccess access)
{
    // mirrorIsReadOnly: true for git, whose refs in a mirror come from upstream only; a mirror's storage and experiment remotes stay writable.
    public async Task<GitAccess> ResolveAsync(HttpContext context, string owner, string repository, bool write, bool mirrorIsReadOnly = true)
    {
        var authentication = await context.AuthenticateAsync(PortalTokenAuthenticationHandler.SchemeName);
        if (authentication.Failure is not null)
        {
            return Refuse(StatusCodes.Status401Unauthorized, authentication.Failure.Message, challenge: true);
        }

        var user = authentication.Succeeded ? authentication.Principal : null;
        var name = repository.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? repository[..^4] : repository;
        var found = await access.FindAsync(owner, name, context.RequestAborted);
        var role = found is null ? RepositoryRole.None : await access.RoleAsync(found, user?.FindFirstValue(ClaimTypes.NameIdentifier), context.RequestAborted);
        // Every token scope reads (as GitLab's api scope does); pushing needs write or api. Passwords carry all scopes.
        var scopes = user?.TokenScopes() ?? TokenScopes.All;

        if (found is null || role == RepositoryRole.None)
        {
            return user is null
                ? Refuse(StatusCodes.Status401Unauthorized, "Authentication required: use your username and an access token (or password).", challenge: true)
                : Refuse(StatusCodes.Status404NotFound, $"Repository '{owner}/{name}' not found, or you do not have access to it.");
        }

        if (write)
        {
            if (found.Mode == RepositoryMode.Mirror && mirrorIsReadOnly)
            {
                var upstream = found.Upstream?.Url ?? "its upstream";
                return Refuse(StatusCodes.Status403Forbidden, $"'{owner}/{name}' is a read-only mirror of {upstream}. Push to {upstream} instead; Portal syncs the change here.");
            }

            if (role < RepositoryRole.Write)
            {
                return user is null
                    ? Refuse(StatusCodes.Status401Unauthorized, "Authentication required to push: use your username and an access token with the 'write' scope.", challenge: true)
                    : Refuse(StatusCodes.Status403Forbidden, $"You can read '{owner}/{name}' but not push to it: ask a maintainer for developer access.");
            }

            if ((scopes & (TokenScopes.Write | TokenScopes.Api)) == 0)
            {
                return Refuse(StatusCodes.Status403Forbidden, "This access token cannot write: create one with the 'write' scope under Settings > Access tokens.");
            }
        }

        return new GitAccess(found, role, user, null);
    }

    private static GitAccess Refuse(int status, string message, bool challenge = false) =>
        new(null, RepositoryRole.None, null, new GitRefusal(status, message, challenge));
}
