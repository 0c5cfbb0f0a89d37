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
        api.MapPost("/admin/users", CreateAsync).RequireScope(TokenScopes.Api);
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateUserRequest? request, ClaimsPrincipal principal, UserManager<PortalUser> users, AccountService accounts, CancellationToken cancellationToken)
    {
        var admin = await users.FindByIdAsync(principal.UserId());
        if (admin is not { IsAdmin: true })
        {
            return ProblemResults.Problem(StatusCodes.Status403Forbidden, "Only an admin can create accounts; others register at /Account/Register.");
        }

        if (string.IsNullOrWhiteSpace(request?.UserName) || string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return ProblemResults.Problem(StatusCodes.Status400BadRequest, "Send {\"userName\", \"email\", \"password\"}.");
        }

        var created = await accounts.RegisterAsync(request.UserName, request.Email, request.Password, cancellationToken);
        return created.Succeeded
            ? TypedResults.Created($"/api/v1/users/{created.Value!.UserName}", new UserResponse(created.Value.UserName!, created.Value.Email, created.Value.IsAdmin))
            : created.Error!.ToProblem();
    }

    private static async Task<IResult> GetAsync(ClaimsPrincipal principal, UserManager<PortalUser> users)
    {
        var user = await users.FindByIdAsync(principal.UserId());
        return user is null
            ? ProblemResults.Problem(StatusCodes.Status404NotFound, "Your account no longer exists.")
            : TypedResults.Ok(new UserResponse(user.UserName!, user.Email, user.IsAdmin));
    }
}

/// <summary>Admins create accounts directly (for teams without self-registration, and for automation).</summary>
public sealed record CreateUserRequest(string? UserName, string? Email, string? Password);

public sealed record UserResponse(string UserName, string? Email, bool IsAdmin);
