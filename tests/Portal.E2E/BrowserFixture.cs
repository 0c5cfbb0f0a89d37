using Microsoft.Playwright;
using Portal.Testing;

namespace Portal.E2E;

/// <summary>
/// One real Portal process and one Debian Chromium per test class. The browser reaches Portal by a host name
/// (<see cref="HostName"/>, mapped to 127.0.0.1 inside Chromium only), as people do through Docker's
/// <c>-p 8080:8080</c>: plain HTTP on a name that is not localhost is not a secure context, so browser APIs such as
/// the clipboard are missing exactly as they are for those users.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    public const string HostName = "portal.test";

    private IPlaywright? playwright;

    public PortalProcess Portal { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>A smart-HTTP upstream (with Basic auth when asked) for imports.</summary>
    public GitHttpServer Upstream { get; private set; } = default!;

    /// <summary>Where the browser finds Portal: http://portal.test:port/ (HttpClients in tests use <see cref="PortalProcess.BaseAddress"/>).</summary>
    public Uri BaseAddress => new($"http://{HostName}:{Portal.BaseAddress.Port}/");

    /// <summary>A URL as the browser shows it (on <see cref="HostName"/>), as an HttpClient in a test can reach it (only Chromium resolves the name).</summary>
    public Uri ReachableFromTests(string browserUrl) => new(Portal.BaseAddress, new Uri(browserUrl).PathAndQuery);

    /// <summary>Settings a test class needs beyond the defaults (e.g. a short manual-sync limit).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        Upstream = await GitHttpServer.StartAsync();
        var settings = new Dictionary<string, string>(Settings) { ["Portal:Import:AllowLocalNetwork"] = "true" };
        Portal = await PortalProcess.StartAsync(settings: settings);
        playwright = await Playwright.CreateAsync();
        // Playwright cannot download browsers here: drive Debian's Chromium, without the background
        // services that would try to reach the network. The host name resolves to Portal's loopback address in
        // this browser only; nothing else on the machine learns it.
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                $"--host-resolver-rules=MAP {HostName} 127.0.0.1",
            ],
        });
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        // Expectations wait as long as actions do: two cores shared with builds make the first render slow.
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(15_000);
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
