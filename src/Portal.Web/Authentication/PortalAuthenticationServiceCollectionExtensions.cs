using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Core.Accounts;
using Portal.Core.Data;
using Portal.Core.Hosting;
using Portal.Web.Components.Account;

namespace Portal.Web.Authentication;

public static class PortalAuthenticationServiceCollectionExtensions
{
    /// <summary>The API (and git) authorization policy: only the Authorization header counts, never the cookie, so no cross-site request can use a session.</summary>
    public const string ApiPolicy = "PortalApi";

    /// <summary>Identity with cookies for the pages, and <see cref="PortalTokenAuthenticationHandler"/> for the API and git.</summary>
    public static IServiceCollection AddPortalAuthentication(this IServiceCollection services)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddSingleton<AuthFailureLimiter>();
        // Git, LFS, DVC and MLflow requests: who may do what with a repository, from the Authorization header only.
        services.AddScoped<RepositoryRequestAuthorizer>();
        services.AddSingleton<LfsTransferTokens>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, PortalTokenAuthenticationHandler>(PortalTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = "/Account/Login";
            cookie.LogoutPath = "/Account/Logout";
            cookie.AccessDeniedPath = "/Account/AccessDenied";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
        });

        services.AddIdentityCore<PortalUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = true;
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";
                // As GitLab and Gitea do by default: length matters, character classes do not.
                options.Password.RequiredLength = 8;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireDigit = false;
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddOptions<IdentityOptions>().Configure<IOptions<PortalOptions>>((identity, portal) =>
        {
            identity.Lockout.MaxFailedAccessAttempts = portal.Value.LockoutMaxFailedAttempts;
            identity.Lockout.DefaultLockoutTimeSpan = portal.Value.LockoutDuration;
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, policy => policy
                .AddAuthenticationSchemes(PortalTokenAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser());
        return services;
    }
}
