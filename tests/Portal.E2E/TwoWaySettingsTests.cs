using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Portal.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// The settings a maintainer uses for two-way mirroring, by clicking: protected branches and a push mirror on a hosted
/// repository, and a mirror's branch filter and write-through.
/// </summary>
public sealed class TwoWaySettingsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string TargetUser = "target-bot";
    private const string TargetSecret = "target-S3cret-e2e";

    [Fact]
    public async Task Maintainer_ProtectsABranch_AndAddsAPushMirrorThatRuns()
    {
        browser.Upstream.RequiredCredentials = (TargetUser, TargetSecret);
        var user = AccountPages.NewUserName();
        var page = await browser.NewPageAsync();
        await AccountPages.RegisterAsync(page, user);
        using var api = Client(user);
        var name = FixtureNames.Next("twoway");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = user, name })).StatusCode);
        // The settings tab belongs to a repository with history: push a first commit, as its owner would.
        var work = browser.Upstream.CreateRepository(FixtureNames.Next("work"));
        work.Commit("main");
        TestGit.Run(work.WorkPath, "push", "--quiet", $"http://{user}:{AccountPages.Password}@127.0.0.1:{browser.Portal.BaseAddress.Port}/{user}/{name}.git", "main");
        var target = browser.Upstream.CreateRepository(FixtureNames.Next("target"));

        await OpenSettingsAsync(page, name);
        await page.Locator("#protected-pattern").FillAsync("release/*");
        await page.Locator("#protected-save").ClickAsync();
        await Expect(page.Locator("#protected-branches-message")).ToContainTextAsync("The rule 'release/*' is saved");
        await Expect(page.Locator("#protected-branches-table")).ToContainTextAsync("release/*");
        await page.Locator("#protected-pattern").FillAsync("bad..name");
        await page.Locator("#protected-save").ClickAsync();
        await Expect(page.Locator("#protected-branches-message")).ToContainTextAsync("is not a branch name or pattern");

        await page.Locator("#push-mirror-url").FillAsync(browser.Upstream.Url(target.Name));
        await page.Locator("#push-mirror-username").FillAsync(TargetUser);
        await page.Locator("#push-mirror-secret").FillAsync(TargetSecret);
        await page.Locator("#push-mirror-add").ClickAsync();
        await Expect(page.Locator("#push-mirrors-message")).ToContainTextAsync("Push mirror added");
        var row = page.Locator("#push-mirrors .target");
        await Expect(row).ToContainTextAsync(browser.Upstream.Url(target.Name));
        await Expect(row.Locator(".push-status")).ToHaveTextAsync("up to date");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Push now to {browser.Upstream.Url(target.Name)}" }).ClickAsync();
        await Expect(page.Locator("#push-mirrors-message")).ToContainTextAsync("Push queued");
        await BrowserFixture.ScreenshotAsync(page.Locator("#push-mirrors"), "push-mirrors-card");

        var rules = await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user}/{name}/protected-branches");
        Assert.Equal(new string?[] { "release/*" }, rules.EnumerateArray().Select(r => r.GetProperty("pattern").GetString()).ToArray());
        var mirrors = await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user}/{name}/push-mirrors");
        Assert.Equal("password", mirrors.EnumerateArray().Single().GetProperty("auth").GetString());
    }

    [Fact]
    public async Task Maintainer_SetsAMirrorsBranchFilterAndWriteThrough()
    {
        var user = AccountPages.NewUserName();
        var page = await browser.NewPageAsync();
        await AccountPages.RegisterAsync(page, user);
        using var api = Client(user);
        var name = FixtureNames.Next("filtered");
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        var created = await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = browser.Upstream.Url(name), mode = "mirror", owner = user, name, auth = new { username = TargetUser, secret = TargetSecret } });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        // The tabs appear once the first import is done (a slow one on a loaded machine outlasts a click's wait).
        await ProjectPages.WaitForImportAsync(api, $"api/v1/repos/{user}/{name}");

        await OpenSettingsAsync(page, name);
        await page.Locator("#mirror-branch-choice").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Branches matching a regular expression" }).ClickAsync();
        await page.Locator("#mirror-branch-filter").FillAsync("(unclosed");
        await page.Locator("#mirror-refs-save").ClickAsync();
        await Expect(page.Locator("#mirror-refs-message")).ToContainTextAsync("not a valid regular expression");
        await page.Locator("#mirror-branch-filter").FillAsync("^main$");
        await page.Locator("#mirror-refs .rz-chkbox").Last.ClickAsync();
        await page.Locator("#mirror-refs-save").ClickAsync();
        await Expect(page.Locator("#mirror-refs-message")).ToContainTextAsync("Saved");

        var mirror = (await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user}/{name}")).GetProperty("mirror");
        Assert.Equal("^main$", mirror.GetProperty("branchFilter").GetString());
        Assert.True(mirror.GetProperty("writeThrough").GetBoolean());
    }

    [Fact]
    public async Task Wizard_WriteThroughCheckbox_CreatesAWriteThroughMirror()
    {
        browser.Upstream.RequiredCredentials = (TargetUser, TargetSecret);
        var user = AccountPages.NewUserName();
        var page = await browser.NewPageAsync();
        await AccountPages.RegisterAsync(page, user);
        var name = FixtureNames.Next("through");
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();

        await page.GotoAsync("import");
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#import-url").FillAsync(browser.Upstream.Url(name));
        await page.Locator("#next-source").ClickAsync();
        await page.GetByText("User name and token or password").ClickAsync();
        await page.Locator("#auth-username").FillAsync(TargetUser);
        await page.Locator("#auth-secret").FillAsync(TargetSecret);
        await page.Locator("#next-auth").ClickAsync();
        await Expect(page.Locator("#name-available")).ToBeVisibleAsync();
        await page.Locator("#next-destination").ClickAsync();
        await page.GetByText("Mirror: Portal keeps an exact read-only copy").ClickAsync();
        await page.GetByText("Write-through: pushes to Portal go to the upstream first").ClickAsync();
        await page.Locator("#next-mode").ClickAsync();
        await Expect(page.Locator("#import-review")).ToContainTextAsync("write-through");
        await page.Locator("#launch").ClickAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync(name, new() { Timeout = 30_000 });

        using var api = Client(user);
        var mirror = (await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user}/{name}")).GetProperty("mirror");
        Assert.True(mirror.GetProperty("writeThrough").GetBoolean(), mirror.GetRawText());
    }

    private HttpClient Client(string user)
    {
        var api = new HttpClient { BaseAddress = browser.Portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        return api;
    }

    private static async Task OpenSettingsAsync(IPage page, string name)
    {
        await ProjectPages.OpenFromDashboardAsync(page, name);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Settings" }).ClickAsync();
    }
}
