using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>A Portal whose manual syncs are limited to one every 20 seconds, so the wait can end within a test.</summary>
public sealed class ShortSyncLimitFixture : BrowserFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Portal:Sync:MinManualInterval"] = "00:00:20" };
}

/// <summary>The sync button on an open page follows time and outcome: the wait ends by itself, and a failed sync does not count.</summary>
public sealed class SyncControlsTests(ShortSyncLimitFixture browser) : IClassFixture<ShortSyncLimitFixture>
{
    [Fact]
    public async Task AfterAManualSync_TheButtonComesBackByItself_WhenTheWaitIsOver()
    {
        var (page, _, _, _) = await ProjectPages.SignedInOnAMirrorAsync(browser, "wait");

        await page.Locator("#sync-button").ClickAsync();
        await Expect(page.Locator("#sync-status")).ToContainTextAsync("synced just now", new() { Timeout = 30_000 });
        await Expect(page.Locator("#sync-limit")).ToContainTextAsync("You can sync again in");
        await Expect(page.Locator("#sync-button")).ToBeDisabledAsync();

        // No reload: the open page notices that the limit has passed.
        await Expect(page.Locator("#sync-button")).ToBeEnabledAsync(new() { Timeout = 40_000 });
        await Expect(page.Locator("#sync-limit")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AFailedManualSync_DoesNotStartTheWait()
    {
        var (page, _, _, _) = await ProjectPages.SignedInOnAMirrorAsync(browser, "retry");

        browser.Upstream.FailWith500 = true;
        try
        {
            await page.Locator("#sync-button").ClickAsync();
            await Expect(page.Locator("#sync-error")).ToContainTextAsync("sync failed", new() { Timeout = 30_000 });
        }
        finally
        {
            browser.Upstream.FailWith500 = false;
        }

        // Fixed upstream (or token): sync again at once.
        await Expect(page.Locator("#sync-limit")).ToHaveCountAsync(0);
        await Expect(page.Locator("#sync-button")).ToBeEnabledAsync();
        await page.Locator("#sync-button").ClickAsync();
        await Expect(page.Locator("#sync-status")).ToContainTextAsync("synced just now", new() { Timeout = 30_000 });
    }
}
