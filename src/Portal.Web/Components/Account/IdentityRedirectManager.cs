using Microsoft.AspNetCore.Components;

namespace Portal.Web.Components.Account;

/// <summary>Redirects from statically rendered account pages, refusing anything but a local path (no open redirects).</summary>
internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

    public void RedirectTo(string? uri)
    {
        navigationManager.NavigateTo(LocalPathOrHome(uri));
    }

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }

    public void RedirectToCurrentPageWithStatus(string message, HttpContext context) =>
        RedirectToWithStatus(navigationManager.ToAbsoluteUri(navigationManager.Uri).GetLeftPart(UriPartial.Path), message, context);

    /// <summary>Only a path on this site survives; "//evil", "https://evil" and "/\evil" become the dashboard.</summary>
    public static string LocalPathOrHome(string? uri)
    {
        if (string.IsNullOrEmpty(uri))
        {
            return "/";
        }

        var isLocal = uri[0] == '/' && (uri.Length == 1 || (uri[1] != '/' && uri[1] != '\\'))
                      && Uri.IsWellFormedUriString(uri, UriKind.Relative);
        return isLocal ? uri : "/";
    }
}
