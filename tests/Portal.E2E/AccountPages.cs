using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>What a person does on the account pages, step by step.</summary>
public static class AccountPages
{
    public const string Password = "e2e-password-1";

    private static int counter;

    public static string NewUserName() => $"e2e{Environment.ProcessId % 1000}x{Interlocked.Increment(ref counter)}";

    public static async Task RegisterAsync(IPage page, string userName)
    {
        await page.GotoAsync("Account/Register");
        await page.GetByLabel("Username").FillAsync(userName);
        await page.GetByLabel("Email").FillAsync($"{userName}@example.test");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Confirm password").FillAsync(Password);
        await page.Locator("#register-submit").ClickAsync();
        await Expect(page.Locator("#dashboard-title")).ToHaveTextAsync($"Welcome, {userName}");
    }

    /// <summary>Signs in; with <paramref name="navigate"/> false it fills the login form already on screen (keeping its ReturnUrl).</summary>
    public static async Task SignInAsync(IPage page, string userName, string password = Password, bool navigate = true)
    {
        if (navigate)
        {
            await page.GotoAsync("Account/Login");
        }

        await page.GetByLabel("Username or email").FillAsync(userName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.Locator("#login-submit").ClickAsync();
    }

    /// <summary>
    /// Signs out and waits until the page shows it: the sign-out form posts, and a test that navigates on at once
    /// can cancel that post and go on signed in.
    /// </summary>
    public static async Task SignOutAsync(IPage page)
    {
        await page.Locator("#sign-out").ClickAsync();
        await Expect(page.Locator("#sign-out")).ToHaveCountAsync(0);
    }

    /// <summary>Waits until the page's Blazor circuit is connected, so clicks reach the server.</summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.Locator("#circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
}
