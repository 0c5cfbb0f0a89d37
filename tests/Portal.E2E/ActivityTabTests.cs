using Microsoft.Playwright;
using System.Net.Http.Json;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>The Activity tab shows the first 50 ref changes of an event; "… and N more" shows the rest.</summary>
public sealed class ActivityTabTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AndNMore_Expands_ToEveryRefChange()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var name = FixtureNames.Next("manyrefs");
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main");
        for (var i = 0; i < 60; i++)
        {
            upstream.Tag($"v{i:00}");
        }

        upstream.Push();
        using (var api = ProjectPages.Api(browser, user))
        {
            var created = await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = browser.Upstream.Url(name), mode = "mirror", owner = user, name });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            await ProjectPages.WaitForImportAsync(api, $"api/v1/repos/{user}/{name}");
        }

        await ProjectPages.OpenFromDashboardAsync(page, name);
        await ProjectPages.OpenTabAsync(page, "Activity");
        var changes = page.Locator("#activity .changes").First;
        await Expect(changes.Locator("li")).ToHaveCountAsync(51);
        await changes.GetByRole(AriaRole.Button, new() { Name = "… and 11 more" }).ClickAsync();

        await Expect(changes.Locator("li")).ToHaveCountAsync(61);
        await Expect(changes).ToContainTextAsync("v59");
        await Expect(changes.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
    }
}
