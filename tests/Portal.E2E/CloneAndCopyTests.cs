using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// A new project's first screen: the empty-repository card with the push commands, and copy buttons that work on a
/// host name over plain HTTP (no clipboard API there): the text is selected and the page says how to copy it.
/// </summary>
public sealed class CloneAndCopyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ANewRepository_ShowsHowToPushToIt()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var name = FixtureNames.Next("empty");

        await ProjectPages.CreateHostedAsync(page, name);

        var card = page.Locator("#empty-repository");
        await Expect(card).ToContainTextAsync("This repository is empty");
        await Expect(card).ToContainTextAsync($"git remote add origin {browser.BaseAddress}{user}/{name}.git");
        await Expect(card).ToContainTextAsync("git push -u origin main");
        await Expect(page.Locator("main")).Not.ToContainTextAsync("There is no branch");
        await BrowserFixture.ScreenshotAsync(page, "empty-repository");
    }

    [Fact]
    public async Task CopyOnAHostName_OverPlainHttp_SelectsTheText_AndThePageKeepsWorking()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var name = FixtureNames.Next("copy");
        await ProjectPages.CreateHostedAsync(page, name);
        Assert.False(await page.EvaluateAsync<bool>("() => window.isSecureContext"), "The test must run where the clipboard API is absent.");
        var cloneUrl = $"{browser.BaseAddress}{user}/{name}.git";

        var clone = await ProjectPages.OpenCloneAsync(page);
        await clone.GetByRole(AriaRole.Button, new() { Name = "Copy clone URL" }).ClickAsync();

        await Expect(page.GetByText(new System.Text.RegularExpressions.Regex("Copied|Ctrl\\+C"))).ToBeVisibleAsync();
        Assert.Equal(cloneUrl, await page.EvaluateAsync<string>("() => window.getSelection().toString()"));
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        // The circuit is alive: the drop-down closes and a tab switch still renders.
        await ProjectPages.CloseCloneAsync(page);
        await ProjectPages.OpenTabAsync(page, "Settings");
        await Expect(page.Locator("#settings-description")).ToBeVisibleAsync();
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }
}
