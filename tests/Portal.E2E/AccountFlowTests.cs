using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

public sealed class AccountFlowTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Register_SignOut_SignIn_SeesDashboard()
    {
        var page = await browser.NewPageAsync();
        var userName = AccountPages.NewUserName();

        await AccountPages.RegisterAsync(page, userName);
        await BrowserFixture.ScreenshotAsync(page, "dashboard");

        await AccountPages.SignOutAsync(page);
        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Sign in" }).First).ToBeVisibleAsync();
        await Expect(page.Locator("#dashboard-title")).ToHaveCountAsync(0);

        await AccountPages.SignInAsync(page, userName);
        await Expect(page.Locator("#dashboard-title")).ToHaveTextAsync($"Welcome, {userName}");
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_ShowsError_AndStaysSignedOut()
    {
        var page = await browser.NewPageAsync();
        var userName = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, userName);
        await AccountPages.SignOutAsync(page);

        await AccountPages.SignInAsync(page, userName, "wrong-password-1");

        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Alert)).ToContainTextAsync("wrong username or password");
        await page.GotoAsync("");
        await Expect(page.Locator("#dashboard-title")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Register_WithReservedName_ExplainsWhy_AndCreatesNoAccount()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("Account/Register");
        await page.GetByLabel("Username").FillAsync("admin");
        await page.GetByLabel("Email").FillAsync("admin@example.test");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(AccountPages.Password);
        await page.GetByLabel("Confirm password").FillAsync(AccountPages.Password);

        await page.Locator("#register-submit").ClickAsync();

        await Expect(page.Locator(".validation-message")).ToContainTextAsync("reserved");
        await BrowserFixture.ScreenshotAsync(page, "register-error");
        await AccountPages.SignInAsync(page, "admin");
        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Alert)).ToContainTextAsync("wrong username or password");
    }

    [Fact]
    public async Task ProtectedPage_WhenSignedOut_RedirectsToLogin_ThenBack()
    {
        var page = await browser.NewPageAsync();
        var userName = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, userName);
        await AccountPages.SignOutAsync(page);

        await page.GotoAsync("settings/tokens");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("Account/Login\\?ReturnUrl=%2Fsettings%2Ftokens"));
        await AccountPages.SignInAsync(page, userName, navigate: false);

        await Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Name = "Access tokens" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AccessTokenPage_CreatesTokenShownOnce_ThatWorksOnTheApi()
    {
        var page = await browser.NewPageAsync();
        var userName = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, userName);
        await page.GotoAsync("settings/tokens");
        await AccountPages.WaitForCircuitAsync(page);

        await page.Locator("#token-name").FillAsync("from-the-browser");
        await page.GetByText("api: use the REST API").ClickAsync();
        await page.Locator("#token-create").ClickAsync();

        var secret = (await page.Locator("#token-secret").TextContentAsync())!.Trim();
        Assert.StartsWith("portal_", secret);
        await Expect(page.Locator("#token-list")).ToContainTextAsync("from-the-browser");
        await BrowserFixture.ScreenshotAsync(page, "access-tokens");

        using var http = new HttpClient { BaseAddress = browser.Portal.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var me = await http.GetFromJsonAsync<JsonElement>("api/v1/user");
        Assert.Equal(userName, me.GetProperty("userName").GetString());

        await page.ReloadAsync();
        await Expect(page.Locator("#token-secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await page.ContentAsync());
    }

    [Fact]
    public async Task OrganizationsPage_CreatesOrganization_WithCreatorAsOwner()
    {
        var page = await browser.NewPageAsync();
        var userName = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, userName);
        await page.GotoAsync("orgs");
        await AccountPages.WaitForCircuitAsync(page);
        var orgName = "org-" + userName;

        await page.Locator("#org-name").FillAsync(orgName);
        await page.Locator("#org-create").ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"orgs/{orgName}$"));
        await Expect(page.Locator("#member-list")).ToContainTextAsync(userName);
        await Expect(page.Locator("#member-list")).ToContainTextAsync("Owner");
        await BrowserFixture.ScreenshotAsync(page, "organization");
    }

    [Fact]
    public async Task Dashboard_IsUsableAtPhoneWidth()
    {
        var page = await browser.NewPageAsync(375, 740);
        var userName = AccountPages.NewUserName();

        await AccountPages.RegisterAsync(page, userName);
        // The title is in the DOM before the stylesheets have loaded: measured then, unstyled content overflows (it
        // failed so once under load). Measure the page as the user sees it, styled and connected.
        await page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.Load);
        await AccountPages.WaitForCircuitAsync(page);

        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow, "The dashboard scrolls sideways at 375 px.");
        await BrowserFixture.ScreenshotAsync(page, "dashboard-phone");
    }
}
