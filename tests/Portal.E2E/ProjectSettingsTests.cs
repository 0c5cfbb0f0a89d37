using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>The settings tab shows what is stored after each save, and "Stop mirroring" asks first, then the page is a hosted project's.</summary>
public sealed class ProjectSettingsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AnEditInOneCard_SurvivesASaveInAnother_AndSavedValuesShowAsStored()
    {
        var (page, _, _, _) = await ProjectPages.SignedInOnAMirrorAsync(browser, "settings");
        await ProjectPages.OpenTabAsync(page, "Settings");

        // A description typed but not saved yet, then the credentials card's own save.
        await page.Locator("#settings-description").FillAsync("A description typed first");
        await page.Locator("#settings-username").FillAsync("bot");
        await page.Locator("#settings-secret").FillAsync("new-token-1");
        await page.Locator("#settings-save-credentials").ClickAsync();
        await Expect(page.Locator("#settings-message")).ToContainTextAsync("Credentials replaced");
        await Expect(page.Locator("#settings-description")).ToHaveValueAsync("A description typed first");

        // The second save stores what is on screen, and the screen then shows what was stored (trimmed).
        await page.Locator("#settings-description").FillAsync("  A description typed first  ");
        await page.Locator("#settings-save").ClickAsync();
        await Expect(page.Locator("#settings-message")).ToContainTextAsync("Settings saved.");
        await Expect(page.Locator("#settings-description")).ToHaveValueAsync("A description typed first");
        await Expect(page.Locator(".repo-description")).ToHaveTextAsync("A description typed first");

        await page.Locator("#settings-visibility").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "public" }).ClickAsync();
        // The choice reaches the server over the circuit; saving before it shows would save the old visibility.
        await Expect(page.Locator("#settings-visibility")).ToContainTextAsync("public");
        await page.Locator("#settings-save").ClickAsync();
        await Expect(page.Locator("#repo-visibility")).ToHaveCountAsync(0);
        await Expect(page.Locator("#settings-description")).ToHaveValueAsync("A description typed first");

        await page.ReloadAsync();
        await AccountPages.WaitForCircuitAsync(page);
        await Expect(page.Locator(".repo-description")).ToHaveTextAsync("A description typed first");
        await Expect(page.Locator("#repo-visibility")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task StopMirroring_AsksFirst_ThenThePageIsAHostedProject()
    {
        var (page, _, _, _) = await ProjectPages.SignedInOnAMirrorAsync(browser, "convert");
        await Expect(page.Locator("#repo-mode")).ToHaveTextAsync("Mirror", new() { IgnoreCase = true });
        await ProjectPages.OpenTabAsync(page, "Settings");

        // Cancelling changes nothing.
        await page.Locator("#stop-mirroring").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog).ToContainTextAsync("Stop mirroring");
        await BrowserFixture.ScreenshotAsync(page, "convert-confirm");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.Locator("#repo-mode")).ToHaveTextAsync("Mirror", new() { IgnoreCase = true });

        await page.Locator("#stop-mirroring").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Stop mirroring" }).ClickAsync();

        await Expect(page.Locator("#settings-message")).ToContainTextAsync("now hosted here");
        await Expect(page.Locator("#repo-mode")).ToHaveTextAsync("Hosted", new() { IgnoreCase = true });
        await Expect(page.Locator("#sync-button")).ToHaveCountAsync(0);
        await Expect(page.Locator("#sync-status")).ToHaveCountAsync(0);
        await Expect(page.Locator("#stop-mirroring")).ToHaveCountAsync(0);
        await Expect(page.Locator(".repo-upstream")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "convert-done");
    }
}
