using Microsoft.Playwright;
using Portal.Testing;

namespace Portal.E2E;

/// <summary>One real Portal process and one Debian Chromium per test class.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? playwright;

    public PortalProcess Portal { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>A smart-HTTP upstream (with Basic auth when asked) for imports.</summary>
    public GitHttpServer Upstream { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Upstream = await GitHttpServer.StartAsync();
        Portal = await PortalProcess.StartAsync(settings: new Dictionary<string, string> { ["Portal:Import:AllowLocalNetwork"] = "true" });
        playwright = await Playwright.CreateAsync();
        // Playwright cannot download browsers here: drive Debian's Chromium, without the background
        // services that would try to reach the network.
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Portal.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>One element, whole: RadzenBody is its own scroll container, so a "full page" shot stops at the viewport.</summary>
    public static Task ScreenshotAsync(ILocator element, string name) =>
        element.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(RepositoryRoot.Artifacts("Portal.E2E"), name + ".png") });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepositoryRoot.Artifacts("Portal.E2E"), name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (Portal is not null)
        {
            await Portal.DisposeAsync();
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }
    }
}
