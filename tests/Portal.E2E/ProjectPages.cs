using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Portal.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>What a person does to reach a project, and the API calls tests use to set one up.</summary>
public static class ProjectPages
{
    /// <summary>From the dashboard: New repository, a name, Create; lands on the new project's page.</summary>
    public static async Task CreateHostedAsync(IPage page, string name)
    {
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#new-button").ClickAsync();
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#new-name").FillAsync(name);
        await page.Locator("#new-create").ClickAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync(name);
        await AccountPages.WaitForCircuitAsync(page);
    }

    /// <summary>From the dashboard's list, as a person finds a project.</summary>
    public static async Task OpenFromDashboardAsync(IPage page, string name)
    {
        await page.GotoAsync("");
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#repo-filter").FillAsync(name);
        await page.Locator("#repo-list").GetByText(name, new() { Exact = true }).ClickAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync(name);
        await AccountPages.WaitForCircuitAsync(page);
    }

    /// <summary>Opens the Clone drop-down beside the project's name, on the given tab (HTTPS, DVC or MLflow); returns the popup.</summary>
    public static async Task<ILocator> OpenCloneAsync(IPage page, string tab = "HTTPS")
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Clone", Exact = true }).ClickAsync();
        var popup = page.Locator("#clone-popup");
        await popup.GetByRole(AriaRole.Tab, new() { Name = tab }).ClickAsync();
        return popup;
    }

    /// <summary>Closes the Clone drop-down as a person does: the button again (the popup covers what is under it).</summary>
    public static async Task CloseCloneAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Clone", Exact = true }).ClickAsync();
        await Expect(page.Locator("#clone-popup")).ToHaveCountAsync(0);
    }

    /// <summary>Clone, then "All remotes and commands": the full Remotes panel; returns it.</summary>
    public static async Task<ILocator> OpenAllRemotesAsync(IPage page)
    {
        var popup = await OpenCloneAsync(page);
        await popup.GetByRole(AriaRole.Link, new() { Name = "All remotes and commands" }).ClickAsync();
        var panel = page.Locator("#remotes-panel");
        await Expect(panel).ToBeVisibleAsync();
        return panel;
    }

    public static async Task OpenTabAsync(IPage page, string tab) =>
        await page.GetByRole(AriaRole.Tab, new() { Name = tab }).ClickAsync();

    /// <summary>An API client signed in as <paramref name="user"/> with the account's password.</summary>
    public static HttpClient Api(BrowserFixture browser, string user)
    {
        var api = new HttpClient { BaseAddress = browser.Portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        return api;
    }

    /// <summary>
    /// What mlflow.start_run() sends (experiments/create, runs/create) with <paramref name="mlflow"/>'s credentials;
    /// returns the run's artifact URI and the URL its artifacts are PUT under (relative to Portal's address).
    /// </summary>
    public static async Task<(string ArtifactUri, string ArtifactsUrl)> StartMlflowRunAsync(HttpClient mlflow, string user, string project, string experiment, string runName)
    {
        var tracking = $"{user}/{project}.mlflow/api/2.0";
        var created = await (await mlflow.PostAsJsonAsync($"{tracking}/mlflow/experiments/create", new { name = experiment })).Content.ReadFromJsonAsync<JsonElement>();
        var run = await mlflow.PostAsJsonAsync($"{tracking}/mlflow/runs/create", new { experiment_id = created.GetProperty("experiment_id").GetString(), run_name = runName, start_time = 1_700_000_000_000L });
        Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        var artifactUri = (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString()!;
        return (artifactUri, $"{tracking}/mlflow-artifacts/artifacts/{artifactUri["mlflow-artifacts:/".Length..]}");
    }

    /// <summary>A new account, signed in, on its dashboard.</summary>
    public static async Task<(IPage Page, string User)> SignedInAsync(BrowserFixture browser, int width = 1280, int height = 800)
    {
        var page = await browser.NewPageAsync(width, height);
        var user = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, user);
        return (page, user);
    }

    /// <summary>A new account with a mirror (set up over the API), its project page opened from the dashboard.</summary>
    public static async Task<(IPage Page, string User, string Name, UpstreamRepository Upstream)> SignedInOnAMirrorAsync(BrowserFixture browser, string prefix)
    {
        var (page, user) = await SignedInAsync(browser);
        var name = FixtureNames.Next(prefix);
        var upstream = await MirrorAsync(browser, user, name);
        await OpenFromDashboardAsync(page, name);
        return (page, user, name, upstream);
    }

    /// <summary>Set-up: a mirror of a fresh upstream repository (a README and <paramref name="moreFiles"/>), imported over the API, waited for.</summary>
    public static async Task<UpstreamRepository> MirrorAsync(BrowserFixture browser, string user, string name, params string[] moreFiles)
    {
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main", file: "README.md", content: Encoding.UTF8.GetBytes($"# {name}\n"));
        foreach (var file in moreFiles)
        {
            upstream.Commit("main", file: file);
        }

        upstream.Push();
        using var api = Api(browser, user);
        var created = await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = browser.Upstream.Url(name), mode = "mirror", owner = user, name });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        await WaitForImportAsync(api, $"api/v1/repos/{user}/{name}");
        return upstream;
    }

    public static async Task WaitForImportAsync(HttpClient api, string path)
    {
        for (var i = 0; i < 600; i++)
        {
            var status = (await api.GetFromJsonAsync<JsonElement>(path)).GetProperty("sync").GetProperty("status").GetString();
            if (status == "succeeded")
            {
                return;
            }

            Assert.NotEqual("failed", status);
            await Task.Delay(100);
        }

        Assert.Fail("The mirror was not imported in a minute.");
    }
}
