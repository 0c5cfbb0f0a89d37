using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// A first-time user's whole journey, by clicking only, from the home page on a host name over plain HTTP (as through
/// Docker's -p 8080:8080): register, create an organization, import into it, sync, browse a file, copy the clone URL,
/// open settings, save, sign out. On a laptop and on a phone (where the header folds into a menu); a screenshot of
/// every step is kept in tests/Portal.E2E/artifacts/journey-{width}-NN-step.png.
/// </summary>
public sealed class FirstTimeJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(1366, 900)]
    [InlineData(390, 844)]
    public async Task FromTheHomePage_ToSignedOut_ByClickingOnly(int width, int height)
    {
        var name = FixtureNames.Next("journey");
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main", file: "README.md", content: Encoding.UTF8.GetBytes($"# {name}\n\nThe **{name}** project.\n"));
        upstream.Commit("main", file: "train.py", content: Encoding.UTF8.GetBytes("print('training')\n"));
        upstream.Push();
        var user = AccountPages.NewUserName();
        var org = $"team-{user}";
        var page = await browser.NewPageAsync(width, height);
        var step = 0;
        Task ShotAsync(string what) => BrowserFixture.ScreenshotAsync(page, $"journey-{width}-{++step:00}-{what}");

        // The home page, then Register from the header.
        await page.GotoAsync("");
        await AccountPages.WaitForCircuitAsync(page);
        Assert.False(await page.EvaluateAsync<bool>("() => window.isSecureContext"), "The journey must run where the clipboard API is absent.");
        await ShotAsync("home");
        await HeaderLinkAsync(page, "Register", live: false);
        await page.GetByLabel("Username").FillAsync(user);
        await page.GetByLabel("Email").FillAsync($"{user}@example.test");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(AccountPages.Password);
        await page.GetByLabel("Confirm password").FillAsync(AccountPages.Password);
        await ShotAsync("register");
        await page.Locator("#register-submit").ClickAsync();
        await Expect(page.Locator("#dashboard-title")).ToHaveTextAsync($"Welcome, {user}");
        await ShotAsync("dashboard");

        // An organization.
        await HeaderLinkAsync(page, "Organizations");
        await page.Locator("#org-name").FillAsync(org);
        await page.Locator("#org-create").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = org, Level = 1 })).ToBeVisibleAsync();
        await ShotAsync("organization");

        // Import into it, as a mirror.
        await HeaderLinkAsync(page, "Import");
        await page.Locator("#import-url").FillAsync(browser.Upstream.Url(name));
        await page.Locator("#next-source").ClickAsync();
        await page.Locator("#test-connection-auth").ClickAsync();
        await Expect(page.Locator("#connection-ok")).ToContainTextAsync("1 branch");
        await page.Locator("#next-auth").ClickAsync();
        await page.Locator("#import-owner").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = org }).ClickAsync();
        await Expect(page.Locator("#name-available")).ToBeVisibleAsync();
        await page.Locator("#next-destination").ClickAsync();
        await Expect(page.GetByText("Mirror or migrate")).ToBeVisibleAsync();
        await page.GetByText("Mirror: Portal keeps an exact read-only copy").ClickAsync();
        await ShotAsync("mirror-or-migrate");
        await page.Locator("#next-mode").ClickAsync();
        await page.Locator("#launch").ClickAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync(name, new() { Timeout = 30_000 });
        await Expect(page.Locator("#sync-status")).ToContainTextAsync("synced", new() { Timeout = 30_000 });
        await AccountPages.WaitForCircuitAsync(page);
        await ShotAsync("imported");

        // Sync now.
        upstream.Commit("main", file: "data.csv", content: Encoding.UTF8.GetBytes("a,b\n1,2\n"));
        upstream.Push();
        await page.Locator("#sync-button").ClickAsync();
        await Expect(page.Locator("#sync-status")).ToContainTextAsync("synced just now", new() { Timeout = 30_000 });
        await Expect(page.Locator("main")).ToContainTextAsync("data.csv");
        await ShotAsync("synced");

        // Browse a file.
        await page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "train.py", Exact = true }).ClickAsync();
        await Expect(page.Locator("main")).ToContainTextAsync("print('training')");
        await ShotAsync("file");

        // Copy the clone URL from the Clone drop-down: no clipboard API here, so the text is selected and the page says how to copy it.
        var clone = await ProjectPages.OpenCloneAsync(page);
        await clone.GetByRole(AriaRole.Button, new() { Name = "Copy clone URL" }).ClickAsync();
        await Expect(page.GetByText(new Regex("Copied|Ctrl\\+C"))).ToBeVisibleAsync();
        Assert.Equal($"{browser.BaseAddress}{org}/{name}.git", await page.EvaluateAsync<string>("() => window.getSelection().toString()"));
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await ShotAsync("copied");
        await ProjectPages.CloseCloneAsync(page);

        // Settings: save a description, shown at once.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Settings" }).ClickAsync();
        await page.Locator("#settings-description").FillAsync("Our first mirror");
        await page.Locator("#settings-save").ClickAsync();
        await Expect(page.Locator("#settings-message")).ToContainTextAsync("Settings saved.");
        await Expect(page.Locator(".repo-description")).ToHaveTextAsync("Our first mirror");
        await ShotAsync("settings-saved");

        // Sign out.
        await OpenMenuIfFoldedAsync(page);
        await AccountPages.SignOutAsync(page);
        await OpenMenuIfFoldedAsync(page);
        await Expect(Header(page).GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await ShotAsync("signed-out");
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task OnAPhone_TheHeaderFoldsIntoAMenu_AndTheTabsScroll()
    {
        var (page, _) = await ProjectPages.SignedInAsync(browser, 390, 844);
        var name = FixtureNames.Next("phone");
        await ProjectPages.CreateHostedAsync(page, name);

        var menu = page.Locator("#menu-button");
        await Expect(menu).ToBeVisibleAsync();
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(Header(page).GetByRole(AriaRole.Link, new() { Name = "Organizations" })).ToBeHiddenAsync();
        var tabs = page.Locator(".repo-tabs .rz-tabview-nav");
        Assert.True(await tabs.EvaluateAsync<bool>("nav => nav.scrollWidth > nav.clientWidth && getComputedStyle(nav).overflowX === 'auto'"), "The tab strip must scroll sideways.");
        var documentWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(documentWidth <= 390, $"The page is {documentWidth} px wide on a 390 px screen.");

        await menu.ClickAsync();
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        await BrowserFixture.ScreenshotAsync(page, "phone-menu-open");
        await Header(page).GetByRole(AriaRole.Link, new() { Name = "Organizations" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Organizations", Level = 1 })).ToBeVisibleAsync();
        await Expect(Header(page).GetByRole(AriaRole.Link, new() { Name = "Organizations" })).ToBeHiddenAsync();

        // Keyboard focus shows.
        await page.Keyboard.PressAsync("Tab");
        var outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
        Assert.Equal("solid", outline);
    }

    [Fact]
    public async Task OnAPhone_AMenuOpenedBeforeThePageIsLive_StaysOpen()
    {
        var page = await browser.NewPageAsync(390, 844);
        // The live connection is held back until the menu is open, as on a slow phone network.
        var release = new TaskCompletionSource();
        await page.RouteAsync("**/_blazor/negotiate**", async route =>
        {
            await release.Task;
            await route.ContinueAsync();
        });
        await page.GotoAsync("");
        var menu = page.Locator("#menu-button");
        await menu.ClickAsync();
        await Expect(Header(page).GetByRole(AriaRole.Link, new() { Name = "Register" })).ToBeVisibleAsync();

        release.SetResult();
        await AccountPages.WaitForCircuitAsync(page);
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(Header(page).GetByRole(AriaRole.Link, new() { Name = "Register" })).ToBeVisibleAsync();
        await menu.ClickAsync();
        await Expect(Header(page).GetByRole(AriaRole.Link, new() { Name = "Register" })).ToBeHiddenAsync();
    }

    private static ILocator Header(IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });

    /// <summary>On a phone-sized screen (the header folds below 720 px), opens the header's menu unless it is open.</summary>
    private static async Task OpenMenuIfFoldedAsync(IPage page)
    {
        var menu = page.Locator("#menu-button");
        if (page.ViewportSize!.Width <= 720 && await menu.GetAttributeAsync("aria-expanded") != "true")
        {
            await menu.ClickAsync();
        }
    }

    /// <summary>A header link, through the menu on a phone; <paramref name="live"/> pages are waited for until their circuit is up.</summary>
    private static async Task HeaderLinkAsync(IPage page, string link, bool live = true)
    {
        await OpenMenuIfFoldedAsync(page);
        await Header(page).GetByRole(AriaRole.Link, new() { Name = link, Exact = true }).ClickAsync();
        if (live)
        {
            await AccountPages.WaitForCircuitAsync(page);
        }
    }
}
