using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// The account pages render statically (they set the sign-in cookie), so links to them from live pages must leave the
/// live router: clicked, every "Sign in" and "Register" lands on its form, never on the project page's "not found".
/// </summary>
public sealed class AccountLinkTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static ILocator Header(IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });

    private static async Task OpenLiveAsync(IPage page, string address)
    {
        await page.GotoAsync(address);
        await AccountPages.WaitForCircuitAsync(page);
    }

    [Fact]
    public async Task HeaderAndHomeLinks_OpenTheSignInAndRegisterForms()
    {
        var page = await browser.NewPageAsync();

        await OpenLiveAsync(page, "");
        await Header(page).GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(page.Locator("#login-submit")).ToBeVisibleAsync();

        await OpenLiveAsync(page, "");
        await Header(page).GetByRole(AriaRole.Link, new() { Name = "Register" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Create your account" })).ToBeVisibleAsync();

        await OpenLiveAsync(page, "");
        await page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "create an account" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Create your account" })).ToBeVisibleAsync();

        await OpenLiveAsync(page, "");
        await page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#login-submit")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task NotFoundPages_SignInLink_OpensTheForm_AndComesBack()
    {
        var page = await browser.NewPageAsync();
        var user = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, user);
        await AccountPages.SignOutAsync(page);

        await OpenLiveAsync(page, $"{user}/no-such-repository");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Repository not found" })).ToBeVisibleAsync();
        await page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "sign in" }).ClickAsync();
        await Expect(page.Locator("#login-submit")).ToBeVisibleAsync();
        await AccountPages.SignInAsync(page, user, navigate: false);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/{user}/no-such-repository$"));

        await AccountPages.SignOutAsync(page);
        await OpenLiveAsync(page, "there/is/nothing/here");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "sign in" }).ClickAsync();
        await Expect(page.Locator("#login-submit")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SignedIn_TheUserNameLink_OpensAccountSettings()
    {
        var page = await browser.NewPageAsync();
        var user = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, user);
        await AccountPages.WaitForCircuitAsync(page);

        await Header(page).GetByRole(AriaRole.Link, new() { Name = user }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Change password" })).ToBeVisibleAsync();
    }
}
