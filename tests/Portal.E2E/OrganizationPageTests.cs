using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// An organization's page, reached by clicking: its repositories, its members, its broken mirrors with the reason,
/// and "Import into this organization", which opens the wizard with the organization already chosen.
/// </summary>
public sealed class OrganizationPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task OrganizationPage_ListsRepositories_Members_AndBrokenMirrors_AndImportsIntoTheOrganization()
    {
        var (page, user) = await MirroredProject.SignedInAsync(browser);
        var org = FixtureNames.Next("team");
        var (_, member) = await MirroredProject.SignedInAsync(browser);

        // Create the organization as a user does: from the menu.
        await AccountPages.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Organizations", Exact = true }).ClickAsync();
        await page.Locator("#org-name").FillAsync(org);
        await page.Locator("#org-create").ClickAsync();
        await Expect(page.Locator("#org-title")).ToHaveTextAsync(org);

        // Setup over the API: a member, a healthy mirror and one whose upstream is gone.
        using (var api = MirroredProject.Api(browser, user))
        {
            var added = await api.PutAsJsonAsync($"api/v1/orgs/{org}/members/{member}", new { role = "developer" });
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }

        var healthy = FixtureNames.Next("healthy");
        var upstream = browser.Upstream.CreateRepository(healthy);
        MirroredProject.Write(upstream, "README.md", "# Healthy\n", "Add the readme");
        upstream.Push();
        await MirroredProject.MirrorAsync(browser, user, org, healthy);
        var gone = FixtureNames.Next("gone");
        await MirroredProject.MirrorAsync(browser, user, org, gone, status: "failed", cloneUrl: browser.Upstream.Url(gone + "-missing"));

        await page.ReloadAsync();
        await AccountPages.WaitForCircuitAsync(page);
        await Expect(page.Locator("#repo-list")).ToContainTextAsync(healthy);
        await Expect(page.Locator("#repo-list")).ToContainTextAsync(gone);
        await Expect(page.Locator("#member-list")).ToContainTextAsync(member);
        await Expect(page.Locator("#member-list")).ToContainTextAsync(user);
        var broken = page.Locator("#broken-mirrors");
        await Expect(broken.Locator("h2")).ToHaveTextAsync("Broken mirrors (1)");
        await Expect(broken).ToContainTextAsync(gone);
        await Expect(broken).ToContainTextAsync("sync failed");
        await Expect(broken).Not.ToContainTextAsync(healthy);
        await Expect(broken.Locator("pre.error")).Not.ToBeEmptyAsync();
        await BrowserFixture.ScreenshotAsync(page, "organization-page");

        // The broken mirror links to its activity, where the failure is told in full.
        await broken.GetByRole(AriaRole.Link, new() { Name = gone }).ClickAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync(gone);
        await page.Locator("#repo-title a.repo-owner").ClickAsync();

        // Import into this organization: the wizard opens with it chosen, and the import lands there.
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#org-import").ClickAsync();
        var imported = FixtureNames.Next("imported");
        var source = browser.Upstream.CreateRepository(imported);
        MirroredProject.Write(source, "README.md", "# Imported\n", "Add the readme");
        source.Push();
        await page.Locator("#import-url").FillAsync(browser.Upstream.Url(imported));
        await page.Locator("#next-source").ClickAsync();
        await page.Locator("#next-auth").ClickAsync();
        await Expect(page.Locator("#import-owner")).ToContainTextAsync(org);
        await Expect(page.Locator("#name-available")).ToBeVisibleAsync();
        await page.Locator("#next-destination").ClickAsync();
        await page.Locator("#next-mode").ClickAsync();
        await Expect(page.Locator("#import-review")).ToContainTextAsync($"{org}/{imported}");
        await page.Locator("#launch").ClickAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync($"{org} / {imported}", new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task AMemberWhoCannotImport_SeesTheOrganization_WithoutTheImportButton()
    {
        var (ownerPage, owner) = await MirroredProject.SignedInAsync(browser);
        var (page, reader) = await MirroredProject.SignedInAsync(browser);
        var org = FixtureNames.Next("readers");
        using (var api = MirroredProject.Api(browser, owner))
        {
            Assert.True((await api.PostAsJsonAsync("api/v1/orgs", new { name = org })).IsSuccessStatusCode);
            Assert.True((await api.PutAsJsonAsync($"api/v1/orgs/{org}/members/{reader}", new { role = "reader" })).IsSuccessStatusCode);
        }

        await ownerPage.CloseAsync();
        await page.ReloadAsync();
        // As the test above: a click while the reloaded page is still starting Blazor can be lost (it was, once, under load).
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#dashboard-orgs").GetByRole(AriaRole.Link, new() { Name = org }).ClickAsync();

        await Expect(page.Locator("#org-title")).ToHaveTextAsync(org);
        await Expect(page.Locator("#member-list")).ToContainTextAsync(reader);
        await Expect(page.Locator("#org-import")).ToHaveCountAsync(0);
    }
}
