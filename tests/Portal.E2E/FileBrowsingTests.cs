using System.Security.Cryptography;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// Browsing files as GitLab and DagsHub users expect, all reached by clicking from the project page: each entry's last
/// commit, the language bar, a highlighted file with linkable lines, blame, the file's history, raw, download, and an
/// LFS file shown with its real size and downloaded from Portal's LFS store.
/// </summary>
public sealed class FileBrowsingTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string App = string.Concat(Enumerable.Range(1, 30).Select(i => $"def step_{i}():\n    return {i}\n\n"));

    [Fact]
    public async Task Files_ShowLastCommits_Languages_HighlightedCode_LineLinks_Blame_History_Raw_Download_AndLfs()
    {
        var (page, user) = await MirroredProject.SignedInAsync(browser);
        var name = FixtureNames.Next("files");
        var model = RandomNumberGenerator.GetBytes(300_000);
        var upstream = browser.Upstream.CreateRepository(name);
        MirroredProject.Write(upstream, "README.md", "# Files\n", "Add the readme");
        MirroredProject.Write(upstream, "src/app.py", App, "Add the app");
        MirroredProject.Write(upstream, "src/App.cs", "class App { }\n", "Add a C# file");
        MirroredProject.Write(upstream, ".gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n", "Track models with LFS");
        MirroredProject.Write(upstream, "model.bin", browser.Upstream.AddLfsObject(model), "Add the model");
        MirroredProject.Write(upstream, "src/app.py", App.Replace("return 2\n", "return 2 * 1\n", StringComparison.Ordinal), "Tune step two");
        upstream.Push();
        browser.Upstream.LfsEnabled = true;
        await MirroredProject.MirrorAsync(browser, user, user, name);
        await MirroredProject.OpenAsync(page, user, name);

        // The listing: each entry with the commit that last changed it, and the languages by bytes.
        await Expect(RowOf(page, "README.md")).ToContainTextAsync("Add the readme");
        await Expect(RowOf(page, "model.bin")).ToContainTextAsync("Add the model");
        await Expect(RowOf(page, "src")).ToContainTextAsync("Tune step two");
        await Expect(page.Locator("#latest-commit")).ToContainTextAsync("Tune step two");
        await Expect(page.Locator("#directory-history")).ToContainTextAsync("6 commits");
        await Expect(page.Locator("#language-bar")).ToContainTextAsync("Python");
        await Expect(page.Locator("#language-bar")).ToContainTextAsync("C#");
        await BrowserFixture.ScreenshotAsync(page, "files-listing");

        // A file: highlighted, with line numbers that link and select.
        await page.Locator("#file-tree").GetByText("src", new() { Exact = true }).ClickAsync();
        await Expect(RowOf(page, "App.cs")).ToContainTextAsync("Add a C# file");
        await page.Locator("#file-tree").GetByText("app.py").ClickAsync();
        await Expect(page.Locator("#file-view code .hljs-keyword").First).ToHaveTextAsync("def");
        await page.Locator("#file-view #L4").ClickAsync();
        await page.Locator("#file-view #L6").ClickAsync(new() { Modifiers = [KeyboardModifier.Shift] });
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("path=src%2Fapp.py#L4-L6$"));
        await Expect(page.Locator("#file-view .line-selection")).ToBeVisibleAsync();
        await Expect(page.Locator("#file-view .line-numbers a.selected")).ToHaveCountAsync(3);
        await BrowserFixture.ScreenshotAsync(page, "files-highlighted");

        // The link selects and scrolls for whoever opens it.
        var shared = await page.Context.NewPageAsync();
        await shared.GotoAsync(page.Url.Replace("#L4-L6", "#L80-L82", StringComparison.Ordinal));
        await Expect(shared.Locator("#file-view .line-numbers a.selected")).ToHaveCountAsync(3);
        await Expect(shared.Locator("#L81")).ToBeInViewportAsync();
        await shared.CloseAsync();

        await page.Locator("#file-blame").ClickAsync();
        await Expect(page.Locator("#blame")).ToContainTextAsync("Tune step two");
        await Expect(page.Locator("#blame")).ToContainTextAsync("Add the app");
        await Expect(page.Locator("#blame")).ToContainTextAsync("return 2 * 1");
        await page.Locator("#blame").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "files-blame");

        var raw = await page.Context.RunAndWaitForPageAsync(() => page.Locator("#file-raw").ClickAsync());
        await Expect(raw.Locator("body")).ToContainTextAsync("def step_30():");
        await raw.CloseAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#file-download").ClickAsync());
        Assert.Equal("app.py", download.SuggestedFilename);
        Assert.Contains("return 2 * 1", await File.ReadAllTextAsync((await download.PathAsync())!));

        await page.Locator("#file-history").ClickAsync();
        await Expect(page.Locator("#history-title")).ToContainTextAsync("History of src/app.py");
        await Expect(page.Locator("#commit-list li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#commit-count")).ToHaveTextAsync("2 commits");

        // The LFS file: its real size and the object itself, not the pointer.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Files" }).ClickAsync();
        await page.Locator("nav.breadcrumb a").First.ClickAsync();
        await page.Locator("#file-tree").GetByText("model.bin").ClickAsync();
        await Expect(page.Locator("#lfs-notice")).ToContainTextAsync("Stored with Git LFS");
        await Expect(page.Locator("#lfs-notice")).ToContainTextAsync("293 KB");
        await BrowserFixture.ScreenshotAsync(page, "files-lfs");
        var lfs = await page.RunAndWaitForDownloadAsync(() => page.Locator("#lfs-download").ClickAsync());
        Assert.Equal(model, await File.ReadAllBytesAsync((await lfs.PathAsync())!));
    }

    [Fact]
    public async Task RawLinks_OfAPrivateRepository_AnswerStrangersAsIfItDidNotExist_AndNeverRenderHtml()
    {
        var (owner, user) = await MirroredProject.SignedInAsync(browser);
        var name = FixtureNames.Next("rawsafe");
        var upstream = browser.Upstream.CreateRepository(name);
        MirroredProject.Write(upstream, "page.html", "<script>document.title = 'owned'</script><h1>hi</h1>\n", "Add a page");
        upstream.Push();
        await MirroredProject.MirrorAsync(browser, user, user, name);
        await MirroredProject.OpenAsync(owner, user, name);
        await owner.Locator("#file-tree").GetByText("page.html").ClickAsync();
        var raw = await owner.Context.RunAndWaitForPageAsync(() => owner.Locator("#file-raw").ClickAsync());
        var rawUrl = raw.Url;

        // The owner sees the HTML as text: nothing ran.
        await Expect(raw.Locator("body")).ToContainTextAsync("<script>");
        Assert.NotEqual("owned", await raw.TitleAsync());

        // A stranger, and the anonymous, get what a missing repository gets.
        var (stranger, _) = await MirroredProject.SignedInAsync(browser);
        var forStranger = await stranger.GotoAsync(rawUrl);
        var strangerText = await forStranger!.TextAsync();
        var missing = await stranger.GotoAsync(rawUrl.Replace(name, name + "-missing", StringComparison.Ordinal));
        var missingText = await missing!.TextAsync();
        using var anonymous = new HttpClient();
        var forAnonymous = await anonymous.GetAsync(browser.ReachableFromTests(rawUrl));
        Assert.Equal(404, forStranger.Status);
        Assert.Equal(404, missing.Status);
        Assert.Equal(404, (int)forAnonymous.StatusCode);
        Assert.Equal(missingText.Replace(name + "-missing", name, StringComparison.Ordinal), strangerText);
        Assert.Equal(strangerText, await forAnonymous.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AtPhoneWidth_TheListingShowsNamesAndAgesWhole_AndBlameLeavesTheCodeTheRoom()
    {
        var (page, user) = await MirroredProject.SignedInAsync(browser, width: 390);
        var name = FixtureNames.Next("phone");
        var upstream = browser.Upstream.CreateRepository(name);
        MirroredProject.Write(upstream, "src/app.py", App, "Add the app, with a message too long for a phone");
        upstream.Push();
        await MirroredProject.MirrorAsync(browser, user, user, name);
        await MirroredProject.OpenAsync(page, user, name);

        var age = RowOf(page, "src").Locator("td.age");
        await Expect(age).ToHaveTextAsync("just now");
        // The text's own width (a range measures it whole, even where the cell cuts it off with an ellipsis) fits the cell.
        var fits = await age.EvaluateAsync<bool>("td => { const r = document.createRange(); r.selectNodeContents(td); return r.getBoundingClientRect().width <= td.clientWidth; }");
        Assert.True(fits, "The age is cut off.");
        var ageBox = await age.BoundingBoxAsync();
        var historyBox = await page.Locator("#latest-commit td.history").BoundingBoxAsync();
        Assert.Equal(historyBox!.X + historyBox.Width, ageBox!.X + ageBox.Width, 1.0);

        await page.Locator("#file-tree").GetByText("src", new() { Exact = true }).ClickAsync();
        await page.Locator("#file-tree").GetByText("app.py").ClickAsync();
        await page.Locator("#file-blame").ClickAsync();
        var who = await page.Locator("#blame td.blame-commit").First.BoundingBoxAsync();
        var code = await page.Locator("#blame td.blame-lines").First.BoundingBoxAsync();
        Assert.True(code!.Width > who!.Width, $"The code gets {code.Width} px beside {who.Width} px of commit.");
    }

    private static ILocator RowOf(IPage page, string name) =>
        page.Locator("#file-tree tbody tr").Filter(new() { Has = page.Locator("td.name a", new() { HasText = name }) });
}
