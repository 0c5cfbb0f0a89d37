using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// The project page keeps its files and README in view: the remotes live behind a compact "Clone" button (HTTPS, DVC and
/// MLflow tabs, each with copy buttons that work on a host name over plain HTTP), and the full panel is one link away.
/// </summary>
public sealed class CloneDropdownTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const int FoldHeight = 900;

    [Fact]
    public async Task TheReadmeIsAboveTheFold_AndCloneGivesEachRemote_ThenTheFullPanel()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser, 1366, FoldHeight);
        var name = FixtureNames.Next("clone");
        // The files of a small machine-learning project.
        await ProjectPages.MirrorAsync(browser, user, name, ".gitignore", "data.dvc", "dvc.yaml", "params.yaml", "requirements.txt", "train.py", "evaluate.py");
        await ProjectPages.OpenFromDashboardAsync(page, name);
        var repository = $"{browser.BaseAddress}{user}/{name}";

        // The files and the README start on the first screen (a README heading's worth of it shows): the remotes wait
        // behind the Clone button.
        await Expect(page.Locator("#readme")).ToBeVisibleAsync();
        var fileList = (await page.Locator("#file-tree").BoundingBoxAsync())!;
        var readme = (await page.Locator("#readme").BoundingBoxAsync())!;
        Assert.True(fileList.Y < FoldHeight, $"The file list starts at {fileList.Y} px, below the {FoldHeight} px fold.");
        Assert.True(readme.Y + 48 < FoldHeight, $"The README starts at {readme.Y} px, below the {FoldHeight} px fold.");
        await BrowserFixture.ScreenshotAsync(page, "clone-dropdown-closed");

        var clone = page.GetByRole(AriaRole.Button, new() { Name = "Clone", Exact = true });
        await Expect(clone).ToHaveAttributeAsync("aria-expanded", "false");
        await clone.ClickAsync();
        var popup = page.Locator("#clone-popup");
        await Expect(popup).ToBeVisibleAsync();
        await Expect(clone).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(popup.GetByRole(AriaRole.Tab, new() { Name = "HTTPS" })).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(popup.GetByRole(AriaRole.Tabpanel)).ToContainTextAsync($"{repository}.git");

        // DVC: its URL, copied on a host name without the clipboard API (selected, and the page says how to copy).
        await popup.GetByRole(AriaRole.Tab, new() { Name = "DVC" }).ClickAsync();
        await Expect(popup.GetByRole(AriaRole.Tab, new() { Name = "DVC" })).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(popup.GetByRole(AriaRole.Tabpanel)).ToContainTextAsync($"dvc remote add -d origin {repository}.dvc");
        Assert.False(await page.EvaluateAsync<bool>("() => window.isSecureContext"), "The test must run where the clipboard API is absent.");
        await popup.GetByRole(AriaRole.Button, new() { Name = "Copy DVC URL" }).ClickAsync();
        await Expect(popup.GetByText(new Regex("Copied|Ctrl\\+C"))).ToBeVisibleAsync();
        Assert.Equal($"{repository}.dvc", await page.EvaluateAsync<string>("() => window.getSelection().toString()"));
        await BrowserFixture.ScreenshotAsync(page, "clone-dropdown-dvc");

        await popup.GetByRole(AriaRole.Tab, new() { Name = "MLflow" }).ClickAsync();
        await Expect(popup.GetByRole(AriaRole.Tabpanel)).ToContainTextAsync($"export MLFLOW_TRACKING_URI={repository}.mlflow MLFLOW_TRACKING_USERNAME={user}");

        // Escape closes it and gives the focus back to the button.
        await page.Keyboard.PressAsync("Escape");
        await Expect(popup).ToHaveCountAsync(0);
        await Expect(clone).ToHaveAttributeAsync("aria-expanded", "false");
        Assert.Equal("clone-button", await page.EvaluateAsync<string>("() => document.activeElement?.id"));

        // Everything the panel offered is one link away.
        await clone.ClickAsync();
        await popup.GetByRole(AriaRole.Link, new() { Name = "All remotes and commands" }).ClickAsync();
        var panel = page.Locator("#remotes-panel");
        await Expect(panel).ToBeVisibleAsync();
        await Expect(popup).ToHaveCountAsync(0);
        await Expect(panel.Locator("#clone-url")).ToHaveTextAsync($"{repository}.git");
        await Expect(panel).ToContainTextAsync($"git clone {repository}.git");
        await Expect(panel.Locator("#storage-usage")).ToContainTextAsync("0 objects");
        await Expect(panel.Locator("#dvc-commands")).ToContainTextAsync($"dvc remote add -d origin {repository}.dvc");
        await Expect(panel.Locator("#mlflow-commands")).ToContainTextAsync($"MLFLOW_TRACKING_URI={repository}.mlflow");
        await Expect(panel.GetByText("Attach a remote kept elsewhere")).ToBeVisibleAsync();
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await BrowserFixture.ScreenshotAsync(page, "clone-dropdown-full-panel");

        await panel.GetByRole(AriaRole.Link, new() { Name = "Hide" }).ClickAsync();
        await Expect(panel).ToHaveCountAsync(0);
        await Expect(page.Locator("#readme")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task OnAPhone_ThePopupFitsTheScreen()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser, 390, 844);
        var name = FixtureNames.Next("clone-phone");
        await ProjectPages.CreateHostedAsync(page, name);

        await page.GetByRole(AriaRole.Button, new() { Name = "Clone", Exact = true }).ClickAsync();
        var popup = page.Locator("#clone-popup");
        await popup.GetByRole(AriaRole.Tab, new() { Name = "MLflow" }).ClickAsync();
        await Expect(popup.GetByRole(AriaRole.Tabpanel)).ToContainTextAsync($"{browser.BaseAddress}{user}/{name}.mlflow");

        var box = (await popup.BoundingBoxAsync())!;
        Assert.True(box.X >= 0 && box.X + box.Width <= 390, $"The popup spans {box.X}..{box.X + box.Width} px on a 390 px screen.");
        var documentWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(documentWidth <= 390, $"The page is {documentWidth} px wide on a 390 px screen.");
        await BrowserFixture.ScreenshotAsync(page, "clone-dropdown-phone");

        // A click elsewhere closes it.
        await page.Locator("#repo-title .repo-name").ClickAsync();
        await Expect(popup).ToHaveCountAsync(0);
    }
}
