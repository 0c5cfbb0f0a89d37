using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>Runs logged over the MLflow API show up in the project's Experiments tab, with charts and comparison.</summary>
public sealed class ExperimentsTabTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ExperimentsTab_ShowsRuns_AChartPerMetric_AndComparesRuns()
    {
        var page = await browser.NewPageAsync();
        var user = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, user);
        await page.GotoAsync("new");
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#new-name").FillAsync("vision");
        await page.Locator("#new-create").ClickAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync("vision");
        await AccountPages.WaitForCircuitAsync(page);
        var remotes = await ProjectPages.OpenAllRemotesAsync(page);
        await Expect(remotes.Locator("#mlflow-commands")).ToContainTextAsync($"MLFLOW_TRACKING_URI={browser.BaseAddress}{user}/vision.mlflow");
        await Expect(remotes.Locator("#dvc-commands")).ToContainTextAsync($"dvc remote add -d origin {browser.BaseAddress}{user}/vision.dvc");

        using var mlflow = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseAddress, $"{user}/vision.mlflow/api/2.0/mlflow/") };
        mlflow.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        var experiment = await PostAsync(mlflow, "experiments/create", new { name = "resnet" });
        var experimentId = experiment.GetProperty("experiment_id").GetString();
        foreach (var (name, lr, decay) in new[] { ("fast", "0.1", 0.9), ("slow", "0.01", 0.97) })
        {
            var run = await PostAsync(mlflow, "runs/create", new { experiment_id = experimentId, run_name = name, start_time = 1_700_000_000_000L });
            var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString();
            var metrics = Enumerable.Range(0, 50).Select(step => new { key = "loss", value = Math.Pow(decay, step), timestamp = 1_700_000_000_000L + step, step });
            await PostAsync(mlflow, "runs/log-batch", new { run_id = runId, metrics, @params = new[] { new { key = "lr", value = lr } } });
            await PostAsync(mlflow, "runs/update", new { run_id = runId, status = "FINISHED", end_time = 1_700_000_090_000L });
        }

        await page.GotoAsync($"{user}/vision?tab=experiments");
        await AccountPages.WaitForCircuitAsync(page);
        await Expect(page.Locator("#runs-table")).ToContainTextAsync("fast");
        await Expect(page.Locator("#runs-table")).ToContainTextAsync("slow");
        await Expect(page.Locator("#runs-table")).ToContainTextAsync("FINISHED");
        await Expect(page.Locator("#runs-table")).ToContainTextAsync("1.5 min");
        await BrowserFixture.ScreenshotAsync(page.Locator("#runs-table"), "experiments-runs");

        // Sorting by the metric puts the run with the lower final loss first.
        await page.Locator("#runs-table th a", new() { HasText = "loss" }).ClickAsync();
        await Expect(page.Locator("#runs-table tbody tr").First).ToContainTextAsync("fast");

        await page.Locator("#runs-table a", new() { HasText = "slow" }).ClickAsync();
        await Expect(page.Locator("#run-detail")).ToContainTextAsync("lr");
        // A drawn series is a path through all 50 points (axes and ticks are single segments).
        await page.WaitForFunctionAsync(SeriesCount("#chart-loss") + " >= 1");
        await page.Locator("#chart-loss").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page.Locator("#run-detail"), "experiments-run-chart");

        await page.GotoAsync($"{user}/vision?tab=experiments");
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("input[aria-label='Select fast']").CheckAsync();
        await page.Locator("input[aria-label='Select slow']").CheckAsync();
        await page.Locator("#compare-runs").ClickAsync();
        await Expect(page.Locator("#compare-table")).ToContainTextAsync("0.01");
        await page.WaitForFunctionAsync(SeriesCount("#compare-chart-loss") + " === 2");
        await BrowserFixture.ScreenshotAsync(page.Locator("#run-comparison"), "experiments-compare");
    }

    [Fact]
    public async Task NaNAndInfinity_AreShownAsValues_AndTheChartDrawsTheRest()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var project = FixtureNames.Next("unstable");
        await ProjectPages.CreateHostedAsync(page, project);
        using var mlflow = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseAddress, $"{user}/{project}.mlflow/api/2.0/mlflow/") };
        mlflow.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        var experiment = await PostAsync(mlflow, "experiments/create", new { name = "unstable" });
        var run = await PostAsync(mlflow, "runs/create", new { experiment_id = experiment.GetProperty("experiment_id").GetString(), run_name = "diverged", start_time = 1_700_000_000_000L });
        var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString();
        var metrics = Enumerable.Range(0, 48).Select(step => new { key = "loss", value = (object)(1.0 / (step + 1)), timestamp = 1_700_000_000_000L + step, step })
            .Append(new { key = "loss", value = (object)"Infinity", timestamp = 1_700_000_000_100L, step = 48 })
            .Append(new { key = "loss", value = (object)"NaN", timestamp = 1_700_000_000_101L, step = 49 })
            .Append(new { key = "grad", value = (object)"-Infinity", timestamp = 1_700_000_000_101L, step = 0 });
        await PostAsync(mlflow, "runs/log-batch", new { run_id = runId, metrics });

        await ProjectPages.OpenTabAsync(page, "Experiments");
        await Expect(page.Locator("#runs-table")).ToContainTextAsync("NaN");
        await Expect(page.Locator("#runs-table")).ToContainTextAsync("-Infinity");
        await page.Locator("#runs-table a", new() { HasText = "diverged" }).ClickAsync();

        await Expect(page.Locator("#run-detail")).ToContainTextAsync("NaN");
        await page.WaitForFunctionAsync(SeriesCount("#chart-loss") + " >= 1");
        await Expect(page.Locator("#run-detail")).ToContainTextAsync("2 NaN or infinite values are not drawn.");
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    private static string SeriesCount(string chart) =>
        $"[...document.querySelectorAll('{chart} path')].filter(p => (p.getAttribute('d') || '').split('L').length > 40).length";

    internal static async Task<JsonElement> PostAsync(HttpClient client, string endpoint, object body)
    {
        var response = await client.PostAsJsonAsync(endpoint, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
