using System.Text;
using Microsoft.Playwright;
using Portal.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>The import wizard, the project page with its sync button, browsing and settings, in Debian's Chromium.</summary>
public sealed class ImportAndProjectTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string UpstreamUser = "bot";
    private const string UpstreamToken = "upstream-token-8d7c";

    private UpstreamRepository CreateUpstream(string name)
    {
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main", file: "README.md", content: Encoding.UTF8.GetBytes($"# {name}\n\nThe **{name}** project.\n"));
        upstream.Commit("main", file: "src/app.py", content: Encoding.UTF8.GetBytes("def main():\n    print('hello')\n\nmain()\n"));
        upstream.Tag("v1.0", annotation: "First release");
        upstream.Commit("feature-x");
        upstream.Checkout("main");
        upstream.Push();
        return upstream;
    }

    private async Task<IPage> SignedInPageAsync(int width = 1280)
    {
        var page = await browser.NewPageAsync(width);
        await AccountPages.RegisterAsync(page, AccountPages.NewUserName());
        return page;
    }

    private static async Task FillSourceAsync(IPage page, string url)
    {
        await page.GotoAsync("import");
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#import-url").FillAsync(url);
        await page.Locator("#next-source").ClickAsync();
    }

    private static async Task FinishWizardAsync(IPage page, string modeText)
    {
        await Expect(page.Locator("#name-available")).ToBeVisibleAsync();
        await page.Locator("#next-destination").ClickAsync();
        await page.GetByText(modeText).ClickAsync();
        await page.Locator("#next-mode").ClickAsync();
        await Expect(page.Locator("#import-review")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Wizard_Mirror_WithAWrongTokenCorrectedInPlace_LandsOnTheProjectPage()
    {
        browser.Upstream.RequiredCredentials = (UpstreamUser, UpstreamToken);
        try
        {
            var name = FixtureNames.Next("wizard");
            CreateUpstream(name);
            var page = await SignedInPageAsync();
            await FillSourceAsync(page, browser.Upstream.Url(name));

            await page.GetByText("User name and token or password").ClickAsync();
            await page.Locator("#auth-username").FillAsync(UpstreamUser);
            await page.Locator("#auth-secret").FillAsync("wrong-token-1234");
            await page.Locator("#next-auth").ClickAsync();
            await Expect(page.Locator("#connection-error")).ToContainTextAsync("authentication failed", new() { IgnoreCase = true });
            Assert.DoesNotContain("wrong-token-1234", await page.ContentAsync());
            await BrowserFixture.ScreenshotAsync(page, "wizard-auth-error");

            await page.Locator("#auth-secret").FillAsync(UpstreamToken);
            await page.Locator("#next-auth").ClickAsync();
            await Expect(page.Locator("#import-name")).ToHaveValueAsync(name);

            // Back keeps what was typed.
            await page.Locator("#back-destination").ClickAsync();
            await Expect(page.Locator("#auth-username")).ToHaveValueAsync(UpstreamUser);
            await page.Locator("#next-auth").ClickAsync();
            await FinishWizardAsync(page, "Mirror: Portal keeps an exact read-only copy");
            await Expect(page.Locator("#import-review")).ToContainTextAsync("bot / ••••••••");
            Assert.DoesNotContain(UpstreamToken, await page.Locator("#import-review").InnerTextAsync());
            await BrowserFixture.ScreenshotAsync(page, "wizard-review");

            await page.Locator("#launch").ClickAsync();

            await Expect(page.Locator("#repo-title")).ToContainTextAsync(name, new() { Timeout = 30_000 });
            await Expect(page.Locator("#repo-mode")).ToHaveTextAsync("Mirror", new() { IgnoreCase = true });
            await Expect(page.Locator("#sync-status")).ToContainTextAsync("synced");
            await Expect(page.Locator("#readme")).ToContainTextAsync($"The {name} project.");
            Assert.DoesNotContain(UpstreamToken, await page.ContentAsync());
            await BrowserFixture.ScreenshotAsync(page, "project-files");
        }
        finally
        {
            browser.Upstream.RequiredCredentials = null;
        }
    }

    [Fact]
    public async Task Wizard_Migrate_CreatesAMigratedRepository()
    {
        var name = FixtureNames.Next("moved");
        CreateUpstream(name);
        var page = await SignedInPageAsync();
        await FillSourceAsync(page, browser.Upstream.Url(name));

        await page.Locator("#test-connection-auth").ClickAsync();
        await Expect(page.Locator("#connection-ok")).ToContainTextAsync("2 branches, 1 tag, default branch main");
        await page.Locator("#next-auth").ClickAsync();
        await FinishWizardAsync(page, "Migrate: Portal copies everything once");

        await page.Locator("#launch").ClickAsync();

        await Expect(page.Locator("#repo-mode")).ToHaveTextAsync("Migrated", new() { IgnoreCase = true, Timeout = 30_000 });
        await Expect(page.Locator("#sync-button")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Wizard_RefusesABadUrlAsYouType()
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync("import");
        await AccountPages.WaitForCircuitAsync(page);

        await page.Locator("#import-url").FillAsync("file:///etc/passwd");

        await Expect(page.Locator(".validation-message")).ToContainTextAsync("not allowed");
        await page.Locator("#next-source").ClickAsync();
        await Expect(page.Locator("#auth-kind")).Not.ToBeVisibleAsync();
    }

    [Fact]
    public async Task HostKeysByHand_AreCheckedInTheWizard_AndReplacedInTheSettings()
    {
        var user = AccountPages.NewUserName();
        var page = await browser.NewPageAsync();
        await AccountPages.RegisterAsync(page, user);
        var (first, second) = (NewHostKey(), NewHostKey());
        var name = FixtureNames.Next("sshkeys");
        var sshUrl = $"ssh://git@127.0.0.1:1/srv/{name}.git";

        // The wizard: for an ssh URL the authentication step offers host keys by hand, and the connection test checks them.
        await FillSourceAsync(page, sshUrl);
        await page.GetByText("Enter the server's host keys by hand").ClickAsync();
        await page.Locator("#auth-host-keys").FillAsync("not a key");
        await page.Locator("#test-connection-auth").ClickAsync();
        await Expect(page.Locator("#connection-error")).ToContainTextAsync("Line 1 is not a host key");

        // The settings of an ssh mirror (made over the API, with a pinned key) show the pinned key and replace it.
        using var api = new HttpClient { BaseAddress = browser.Portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(api, "api/v1/repos", new { cloneUrl = sshUrl, mode = "mirror", owner = user, name, hostKeys = first.PublicKey });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, created.StatusCode);
        await page.GotoAsync($"{user}/{name}");
        await AccountPages.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Settings" }).ClickAsync();
        await Expect(page.Locator("#host-key-state")).ToContainTextAsync(first.Fingerprint);

        await page.Locator("#settings-host-keys").FillAsync($"otherhost {second.PublicKey}");
        await page.Locator("#settings-save-host-keys").ClickAsync();
        await Expect(page.Locator("#settings-message")).ToContainTextAsync("host key for 'otherhost'");
        await Expect(page.Locator("#host-key-state")).ToContainTextAsync(first.Fingerprint);

        await page.Locator("#settings-host-keys").FillAsync(second.PublicKey);
        await page.Locator("#settings-save-host-keys").ClickAsync();
        await Expect(page.Locator("#settings-message")).ToContainTextAsync("Host keys replaced");
        await Expect(page.Locator("#host-key-state")).ToContainTextAsync(second.Fingerprint);
        await Expect(page.Locator("#host-key-state")).Not.ToContainTextAsync(first.Fingerprint);
        await BrowserFixture.ScreenshotAsync(page, "settings-host-keys");
    }

    /// <summary>A fresh ed25519 host key as its server's admin would publish it, and its SHA256 fingerprint.</summary>
    private static (string PublicKey, string Fingerprint) NewHostKey()
    {
        var folder = Directory.CreateTempSubdirectory("portal-hostkey-").FullName;
        try
        {
            var key = Path.Combine(folder, "host");
            TestProcess.Run("ssh-keygen", folder, ["-q", "-t", "ed25519", "-N", "", "-f", key]);
            var fingerprint = TestProcess.Run("ssh-keygen", folder, ["-l", "-E", "sha256", "-f", key + ".pub"]).Split(' ')[1];
            return (File.ReadAllText(key + ".pub").Trim(), fingerprint);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<(IPage Page, string Name, UpstreamRepository Upstream)> MirrorThroughTheWizardAsync(string prefix)
    {
        var name = FixtureNames.Next(prefix);
        var upstream = CreateUpstream(name);
        var page = await SignedInPageAsync();
        await FillSourceAsync(page, browser.Upstream.Url(name));
        await page.Locator("#next-auth").ClickAsync();
        await FinishWizardAsync(page, "Mirror: Portal keeps an exact read-only copy");
        await page.Locator("#launch").ClickAsync();
        await Expect(page.Locator("#sync-status")).ToContainTextAsync("synced", new() { Timeout = 30_000 });
        await AccountPages.WaitForCircuitAsync(page);
        return (page, name, upstream);
    }

    [Fact]
    public async Task SyncButton_DisablesWhileRunning_ShowsSynced_ThenTheFiveMinuteLimit()
    {
        var (page, _, upstream) = await MirrorThroughTheWizardAsync("syncbtn");
        upstream.Commit("main", content: System.Security.Cryptography.RandomNumberGenerator.GetBytes(512 * 1024));
        upstream.Push();
        browser.Upstream.TricklePackDelay = TimeSpan.FromMilliseconds(150);
        try
        {
            await page.Locator("#sync-button").ClickAsync();
            await Expect(page.Locator("#sync-button")).ToBeDisabledAsync();
            await Expect(page.Locator("#sync-status")).ToContainTextAsync("syncing");
            await BrowserFixture.ScreenshotAsync(page, "project-syncing");
        }
        finally
        {
            browser.Upstream.TricklePackDelay = null;
        }

        await Expect(page.Locator("#sync-status")).ToContainTextAsync("synced just now", new() { Timeout = 30_000 });
        await Expect(page.Locator("#sync-button")).ToBeDisabledAsync();
        await Expect(page.Locator("#sync-button")).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("limited to one every 5 minutes"));
        await Expect(page.Locator("#sync-limit")).ToContainTextAsync("one manual sync every 5 minutes");
        await BrowserFixture.ScreenshotAsync(page, "project-synced");
    }

    [Fact]
    public async Task UpstreamThatBreaks_ShowsTheRedErrorHighlight_WithDetailsOnClick()
    {
        var (page, _, _) = await MirrorThroughTheWizardAsync("breaks");
        browser.Upstream.FailWith500 = true;
        try
        {
            await page.Locator("#sync-button").ClickAsync();
            await Expect(page.Locator("#sync-error")).ToContainTextAsync("sync failed", new() { Timeout = 30_000 });
            await page.Locator("#sync-error").ClickAsync();
            await Expect(page.Locator("#sync-error-details")).ToContainTextAsync("500");
            await Expect(page.Locator("#sync-error-details")).ToContainTextAsync("the problem is on its side");
            await BrowserFixture.ScreenshotAsync(page, "project-sync-error");
        }
        finally
        {
            browser.Upstream.FailWith500 = false;
        }
    }

    [Fact]
    public async Task ImportedRepository_CanBeBrowsed_FilesCommitsBranchesTagsActivity()
    {
        var (page, name, _) = await MirrorThroughTheWizardAsync("browse");

        await page.Locator("#file-tree").GetByRole(AriaRole.Link, new() { Name = "src", Exact = true }).ClickAsync();
        await page.Locator("#file-tree").GetByRole(AriaRole.Link, new() { Name = "app.py", Exact = true }).ClickAsync();
        await Expect(page.Locator("#file-view")).ToContainTextAsync("def main():");
        await Expect(page.Locator("#file-view .line-numbers")).ToContainTextAsync("4");
        await BrowserFixture.ScreenshotAsync(page, "project-file");

        await page.GotoAsync($"{page.Url.Split('?')[0]}?tab=commits");
        await Expect(page.Locator("#commit-list li")).ToHaveCountAsync(2);
        await page.Locator("#commit-list a.subject").First.ClickAsync();
        await Expect(page.Locator("#changed-files")).ToContainTextAsync("src/app.py");
        await Expect(page.Locator("#diff")).ToContainTextAsync("+def main():");
        Assert.Contains("\n+def main():\n", await page.Locator("#diff").InnerTextAsync());
        await BrowserFixture.ScreenshotAsync(page, "project-commit");

        await page.GotoAsync($"{page.Url.Split('?')[0]}?tab=branches");
        await Expect(page.Locator("#branch-list")).ToContainTextAsync("feature-x");
        await Expect(page.Locator("#branch-list")).ToContainTextAsync("default");
        await page.GotoAsync($"{page.Url.Split('?')[0]}?tab=tags");
        await Expect(page.Locator("#tag-list")).ToContainTextAsync("v1.0");
        await Expect(page.Locator("#tag-list")).ToContainTextAsync("First release");
        await page.GotoAsync($"{page.Url.Split('?')[0]}?tab=activity");
        await Expect(page.Locator("#activity")).ToContainTextAsync("Imported");
        await Expect(page.Locator("#activity")).ToContainTextAsync("tag v1.0 created");
        await BrowserFixture.ScreenshotAsync(page, "project-activity");

        await page.GotoAsync("");
        await page.Locator("#repo-filter").FillAsync(name);
        await Expect(page.Locator("#repo-list li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#repo-list")).ToContainTextAsync("synced");
        await BrowserFixture.ScreenshotAsync(page, "dashboard-repositories");
    }

    [Fact]
    public async Task Settings_EditDescription_AndCredentialsAreWriteOnly()
    {
        var (page, _, _) = await MirrorThroughTheWizardAsync("settings");
        var projectUrl = page.Url.Split('?')[0];
        await page.GotoAsync($"{projectUrl}?tab=settings");
        await AccountPages.WaitForCircuitAsync(page);

        await page.Locator("#settings-description").FillAsync("Edited from the settings tab");
        await page.Locator("#settings-save").ClickAsync();

        await Expect(page.Locator("#settings-message")).ToContainTextAsync("Settings saved.");
        await Expect(page.Locator("#credential-state")).ToContainTextAsync("No credentials");
        await page.GotoAsync(projectUrl);
        await Expect(page.Locator(".repo-description")).ToHaveTextAsync("Edited from the settings tab");
        await page.GotoAsync($"{projectUrl}?tab=settings");
        await Expect(page.Locator("#delete-repository")).ToBeDisabledAsync();
        await BrowserFixture.ScreenshotAsync(page, "project-settings");
    }

    [Fact]
    public async Task ProjectPage_IsUsableAtPhoneWidth()
    {
        var (page, name, _) = await MirrorThroughTheWizardAsync("phone");
        await page.SetViewportSizeAsync(375, 740);
        await page.ReloadAsync();

        await Expect(page.Locator("#repo-title")).ToContainTextAsync(name);
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow, "The project page scrolls sideways at 375 px.");
        await BrowserFixture.ScreenshotAsync(page, "project-phone");
    }
}

internal static class FixtureNames
{
    private static int counter;

    public static string Next(string prefix) => $"{prefix}{Environment.ProcessId % 1000}x{Interlocked.Increment(ref counter)}";
}
