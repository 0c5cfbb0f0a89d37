using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Portal.Core.Accounts;
using Portal.Core.Tokens;
using Portal.Web.Authentication;

namespace Portal.Web.Api;

public static class UserEndpoints
{
    public static RouteGroupBuilder MapUserApi(this RouteGroupBuilder api)
    {
        api.MapGet("/user", GetAsync).RequireScope(TokenScopes.Api);
        return api;
    }

    private static async Task<IResult> GetAsync(ClaimsPrincipal principal, UserManager<PortalUser> users)
    {
        var user = await users.FindByIdAsync(principal.UserId());
        return user is null
            ? ProblemResults.Problem(StatusCodes.Status404NotFound, "Your account no longer exists.")
            : TypedResults.Ok(new UserResponse(user.UserName!, user.Email, user.IsAdmin));
    }
}

public sealed record UserResponse(string UserName, string? Email, bool IsAdmin);
