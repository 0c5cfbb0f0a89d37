using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Accounts;

namespace Portal.Web.Components.Account;

internal static class IdentityEndpoints
{
    /// <summary>Sign-out is a POST with an antiforgery token (the layout's form), so no link on another site can sign anyone out.</summary>
    public static IEndpointConventionBuilder MapIdentityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var accountGroup = endpoints.MapGroup("/Account");
        accountGroup.MapPost("/Logout", async (SignInManager<PortalUser> signInManager, [FromForm] string? returnUrl) =>
        {
            await signInManager.SignOutAsync();
            return TypedResults.LocalRedirect(IdentityRedirectManager.LocalPathOrHome(returnUrl));
        });
        return accountGroup;
    }
}
