using Microsoft.AspNetCore.Components;

namespace Portal.Web.Components.Account;

/// <summary>Links to the account pages that bring the person back to where they were.</summary>
internal static class AccountLinks
{
    /// <summary>The sign-in page, returning to the current address afterwards.</summary>
    public static string SignInReturningHere(NavigationManager navigation) =>
        $"Account/Login?ReturnUrl={Uri.EscapeDataString("/" + navigation.ToBaseRelativePath(navigation.Uri))}";
}
