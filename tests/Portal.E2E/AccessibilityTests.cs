using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>Every field a person can type into or choose from has a name a screen reader announces: a label tied to it.</summary>
public sealed class AccessibilityTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>The focusable fields on screen without a label, aria-label or aria-labelledby: "id (tag)" each.</summary>
    private const string UnnamedFields = """
        () => [...document.querySelectorAll('input:not([type=hidden]), textarea, select, [role=combobox]')]
            .filter(el => el.offsetParent !== null && el.getAttribute('tabindex') !== '-1' && el.getAttribute('aria-hidden') !== 'true')
            .filter(el => !(el.labels && [...el.labels].some(l => l.textContent.trim())) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
            .map(el => `${el.id || el.name || '?'} (${el.tagName.toLowerCase()})`)
        """;

    private static async Task AssertAllNamedAsync(IPage page, string where)
    {
        var unnamed = await page.EvaluateAsync<string[]>(UnnamedFields);
        Assert.True(unnamed.Length == 0, $"{where}: fields without a label: {string.Join(", ", unnamed)}");
    }

    [Fact]
    public async Task EveryField_HasALabelTiedToIt()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var name = FixtureNames.Next("labels");
        await ProjectPages.MirrorAsync(browser, user, name);

        await page.Locator("#new-button").ClickAsync();
        await AccountPages.WaitForCircuitAsync(page);
        await Expect(page.Locator("#new-name")).ToBeVisibleAsync();
        await AssertAllNamedAsync(page, "New repository");
        Assert.Equal("new-name", await page.GetByLabel("Name", new() { Exact = true }).GetAttributeAsync("id"));

        await ProjectPages.OpenFromDashboardAsync(page, name);
        await ProjectPages.OpenTabAsync(page, "Settings");
        await Expect(page.Locator("#settings-description")).ToBeVisibleAsync();
        await AssertAllNamedAsync(page, "Settings");
        Assert.Equal("settings-description", await page.GetByLabel("Description", new() { Exact = true }).GetAttributeAsync("id"));

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Organizations" }).ClickAsync();
        await Expect(page.Locator("#org-name")).ToBeVisibleAsync();
        await AssertAllNamedAsync(page, "Organizations");

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Access tokens" }).ClickAsync();
        await AccountPages.WaitForCircuitAsync(page);
        await AssertAllNamedAsync(page, "Access tokens");

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Import" }).ClickAsync();
        await AccountPages.WaitForCircuitAsync(page);
        await Expect(page.Locator("#import-url")).ToBeVisibleAsync();
        await AssertAllNamedAsync(page, "Import");
        Assert.Equal("import-url", await page.GetByLabel("Git URL").GetAttributeAsync("id"));
    }
}
