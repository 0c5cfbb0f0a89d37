using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Portal.Core.Repositories;
using Portal.Core.Tokens;
using Portal.Web.Hosting;

namespace Portal.Web.Authentication;

/// <summary>The outcome of checking a git (or LFS) request: the repository to serve, or the refusal to send.</summary>
public sealed record RepositoryRequestAccess(Repository? Repository, RepositoryRole Role, ClaimsPrincipal? User, RequestRefusal? Refusal)
{
    public string? UserId => User?.FindFirstValue(ClaimTypes.NameIdentifier);

    public string? UserName => User?.FindFirstValue(ClaimTypes.Name);
}

/// <summary>Why a git request is refused: the status, and a message git prints to the user as "remote: …".</summary>
public sealed record RequestRefusal(int Status, string Message, bool Challenge);

/// <summary>
/// Decides what a git client may do, from the Authorization header only (never a cookie). A repository the caller
/// cannot read answers exactly as a missing one would: 401 with a challenge when anonymous (so git prompts), 404 once
/// authenticated, so names do not leak. Access is checked before anything about the repository is said: only its
/// maintainers learn where a mirror's upstream lives.
/// </summary>
public sealed class RepositoryRequestAuthorizer(RepositoryAccess access, LfsTransferTokens lfsTokens, PublicBaseUrl publicUrl)
{
    // mirrorIsReadOnly: true for git, whose refs in a mirror come from upstream only (pushes to a write-through mirror go
    // there first); a mirror's storage and experiment remotes stay writable.
    public async Task<RepositoryRequestAccess> ResolveAsync(HttpContext context, string owner, string repository, bool write, bool mirrorIsReadOnly = true)
    {
        var authentication = await context.AuthenticateAsync(PortalTokenAuthenticationHandler.SchemeName);
        if (authentication.Failure is not null)
        {
            return Refuse(StatusCodes.Status401Unauthorized, authentication.Failure.Message, challenge: true);
        }

        var user = authentication.Succeeded ? authentication.Principal : null;
        return await DecideAsync(context, owner, repository, await FindAsync(owner, repository, context.RequestAborted), user, write, mirrorIsReadOnly);
    }

    /// <summary>
    /// An LFS object transfer: authorized by the transfer token the batch response handed out (for this repository and
    /// operation, and still within what its user may do now), or else by the caller's own credentials as any git request.
    /// </summary>
    public async Task<RepositoryRequestAccess> ResolveLfsTransferAsync(HttpContext context, string owner, string repository, LfsOperation operation)
    {
        var presented = LfsTransferTokens.Presented(context.Request);
        if (presented is null)
        {
            return await ResolveAsync(context, owner, repository, write: operation == LfsOperation.Upload);
        }

        var found = await FindAsync(owner, repository, context.RequestAborted);
        var token = lfsTokens.Check(presented, found?.Id, operation);
        if (token.Failure is { } failure)
        {
            return Refuse(StatusCodes.Status401Unauthorized, failure, challenge: true);
        }

        // The operation's scope was checked when the token was issued; the role is checked again below, now.
        var scopes = operation == LfsOperation.Upload ? TokenScopes.Read | TokenScopes.Write : TokenScopes.Read;
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, token.UserId!), new Claim(PortalClaims.Scopes, scopes.ToString())],
            LfsTransferTokens.Scheme));
        return await DecideAsync(context, owner, repository, found, user, write: operation == LfsOperation.Upload, mirrorIsReadOnly: true);
    }

    private async Task<Repository?> FindAsync(string owner, string repository, CancellationToken cancellationToken) =>
        await access.FindAsync(owner, NameOf(repository), cancellationToken);

    private static string NameOf(string repository) => repository.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? repository[..^4] : repository;

    private async Task<RepositoryRequestAccess> DecideAsync(HttpContext context, string owner, string repository, Repository? found, ClaimsPrincipal? user, bool write, bool mirrorIsReadOnly)
    {
        var name = NameOf(repository);
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
            if (role < RepositoryRole.Write)
            {
                return user is null
                    ? Refuse(StatusCodes.Status401Unauthorized, "Authentication required to push: use your username and an access token with the 'write' scope.", challenge: true)
                    : Refuse(StatusCodes.Status403Forbidden, $"You can read '{owner}/{name}' but not push to it: ask a maintainer for developer access.");
            }

            if ((scopes & (TokenScopes.Write | TokenScopes.Api)) == 0)
            {
                return Refuse(StatusCodes.Status403Forbidden, $"This access token cannot write: create one with the 'write' scope at {publicUrl.For(context.Request)}/settings/tokens.");
            }

            if (found.Mode == RepositoryMode.Mirror && mirrorIsReadOnly && found.Upstream?.WriteThrough != true)
            {
                // Where the upstream lives is the maintainers' business: developers learn only that it is a mirror.
                return role >= RepositoryRole.Admin && found.Upstream?.Url is { } upstream
                    ? Refuse(StatusCodes.Status403Forbidden, $"'{owner}/{name}' is a read-only mirror of {upstream}. Push to {upstream} instead; Portal syncs the change here.")
                    : Refuse(StatusCodes.Status403Forbidden, $"'{owner}/{name}' is a read-only mirror: push to its upstream instead (its maintainers know where), and Portal syncs the change here.");
            }
        }

        return new RepositoryRequestAccess(found, role, user, null);
    }

    private static RepositoryRequestAccess Refuse(int status, string message, bool challenge = false) =>
        new(null, RepositoryRole.None, null, new RequestRefusal(status, message, challenge));
}
