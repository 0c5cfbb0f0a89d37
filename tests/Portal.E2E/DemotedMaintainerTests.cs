using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// A page keeps what it rendered, but not the rights it rendered with: a maintainer demoted while the project page is
/// open has every next click refused by the service, with a message, and nothing changes. Its own Portal process, so
/// the first account (the instance admin, who may do anything) is the owner, not the maintainer.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class DemotedMaintainerTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AMaintainerDemotedWhileThePageIsOpen_HasTheNextClicksRefused_AndNothingChanges()
    {
        var owner = AccountPages.NewUserName();
        var maintainer = AccountPages.NewUserName();
        var ownerPage = await browser.NewPageAsync();
        await AccountPages.RegisterAsync(ownerPage, owner);
        var page = await browser.NewPageAsync();
        await AccountPages.RegisterAsync(page, maintainer);

        using var api = new HttpClient { BaseAddress = browser.Portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{owner}:{AccountPages.Password}")));
        var org = FixtureNames.Next("team");
        var name = FixtureNames.Next("models");
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("api/v1/orgs", new { name = org })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"api/v1/orgs/{org}/members/{maintainer}", new { role = "maintainer" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = browser.Upstream.Url(name), mode = "mirror", owner = org, name, description = "before" })).StatusCode);
        await ProjectPages.WaitForImportAsync(api, $"api/v1/repos/{org}/{name}");

        // The maintainer opens the project from the dashboard, its full Remotes panel, and starts editing the settings.
        await ProjectPages.OpenFromDashboardAsync(page, name);
        await Expect(page.Locator("#sync-button")).ToBeEnabledAsync();
        var remotes = await ProjectPages.OpenAllRemotesAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Settings" }).ClickAsync();
        await page.Locator("#settings-description").FillAsync("after");

        // Meanwhile an owner makes them a reader.
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"api/v1/orgs/{org}/members/{maintainer}", new { role = "reader" })).StatusCode);

        await page.Locator("#settings-save").ClickAsync();
        await Expect(page.Locator("#settings-message")).ToContainTextAsync("Only the repository's owner, or its organization's owners and maintainers, can change its settings.");

        await page.Locator("#sync-button").ClickAsync();
        await Expect(page.Locator("#sync-limit")).ToContainTextAsync("needs developer access");

        await page.Locator("#delete-confirm").FillAsync(name);
        await page.Locator("#delete-repository").ClickAsync();
        await Expect(page.Locator("#settings-message")).ToContainTextAsync("can delete it");

        await remotes.Locator("summary").ClickAsync();
        await page.Locator("#external-name").FillAsync("s3");
        await page.Locator("#external-url").FillAsync("s3://bucket/data");
        await page.Locator("#external-add").ClickAsync();
        await Expect(page.Locator("#external-error")).ToContainTextAsync("can attach remotes");
        await BrowserFixture.ScreenshotAsync(page, "demoted-maintainer-refused");

        var repository = await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{org}/{name}");
        Assert.Equal("before", repository.GetProperty("description").GetString());
        Assert.Equal("succeeded", repository.GetProperty("sync").GetProperty("status").GetString());
        Assert.Single((await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{org}/{name}/syncs")).EnumerateArray());
        await page.ReloadAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync(name);
        await Expect(page.Locator("#remotes-panel")).ToBeVisibleAsync();
        await Expect(page.Locator("#remotes-panel")).Not.ToContainTextAsync("s3://bucket/data");
        await Expect(page.Locator("#sync-button")).ToHaveCountAsync(0);
    }
}
