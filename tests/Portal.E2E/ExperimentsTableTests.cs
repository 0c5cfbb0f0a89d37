using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// The Experiments tab as an experiments table: six runs logged over the MLflow API, then, by clicking only, a filter in the
/// API's language, a bad filter, a chosen metric column sorted both ways, and three runs compared.
/// </summary>
public sealed class ExperimentsTableTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>Run name, lr, optimizer, final loss, val_loss: lr and optimizer differ between runs, batch_size never does.</summary>
    private static readonly (string Name, string Lr, string Optimizer, double Loss, double ValLoss)[] Sweep =
    [
        ("alpha", "0.1", "adam", 0.3, 0.35),
        ("bravo", "0.01", "adam", 0.2, 0.25),
        ("charlie", "0.01", "sgd", 0.6, 0.65),
        ("delta", "0.001", "sgd", 0.8, 0.85),
        ("echo", "0.01", "adam", 0.4, 0.45),
        ("foxtrot", "0.1", "sgd", 0.9, 0.95),
    ];

    /// <summary>Logged once per run, and sorting before val_loss: they fill the default eight metric columns.</summary>
    private static readonly string[] OnceMetrics = ["accuracy", "epoch_time", "f1", "precision", "recall", "train_time", "val_acc"];

    [Fact]
    public async Task Filter_EnterShowsOnlyMatchingRuns_ABadFilterShowsTheApiMessageAndNoRuns()
    {
        var (page, mlflow, experimentId) = await SeededAsync("sweep-filter");
        using var _ = mlflow;

        var filter = page.GetByLabel("Filter", new() { Exact = true });
        await filter.FillAsync("metrics.loss < 0.5 and params.lr = \"0.01\"");
        await filter.PressAsync("Enter");
        await Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(2);
        await BrowserFixture.ScreenshotAsync(page, "experiments-table-filtered");
        await Expect(page.Locator("#runs-table tbody")).ToContainTextAsync("bravo");
        await Expect(page.Locator("#runs-table tbody")).ToContainTextAsync("echo");
        await Expect(page.Locator("#runs-count")).ToContainTextAsync("matching the filter");

        const string bad = "metrics.loss <<< 1";
        var refused = await mlflow.PostAsJsonAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter = bad });
        var apiMessage = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString()!;
        await filter.FillAsync(bad);
        await filter.PressAsync("Enter");
        await Expect(page.Locator("#runs-filter-error")).ToHaveTextAsync(apiMessage);
        await Expect(filter).ToHaveValueAsync(bad);
        await Expect(page.Locator("#runs-table")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "experiments-table-bad-filter");

        await filter.FillAsync("params.optimizer = \"rmsprop\"");
        await filter.PressAsync("Enter");
        await Expect(page.Locator("#runs-empty")).ToContainTextAsync("No runs match");
        await page.Locator("#runs-empty a", new() { HasText = "Clear filter" }).ClickAsync();
        await Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(6);
        await Expect(filter).ToHaveValueAsync("");
    }

    [Fact]
    public async Task Columns_AMetricBeyondTheDefaultsIsChosen_SortedBothWays_LongParamsCut()
    {
        var (page, mlflow, _) = await SeededAsync("sweep-columns");
        mlflow.Dispose();
        var header = page.Locator("#runs-table th", new() { HasText = "val_loss" });
        await Expect(page.Locator("#runs-table th", new() { HasText = "val_acc" })).ToHaveCountAsync(1);
        await Expect(header).ToHaveCountAsync(0);

        await page.Locator("#columns-control summary").ClickAsync();
        await page.GetByLabel("Metric val_loss", new() { Exact = true }).CheckAsync();
        await Expect(header).ToHaveCountAsync(1);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("metrics=[^&]*val_loss"));
        await BrowserFixture.ScreenshotAsync(page, "experiments-table-columns");
        // The chooser opens over the table: closed again as a person closes it, with its own button.
        await page.Locator("#columns-control summary").ClickAsync();

        await header.Locator("a").ClickAsync();
        await Expect(header).ToHaveAttributeAsync("aria-sort", "ascending");
        await Expect(header).ToContainTextAsync("▲");
        Assert.Equal(["bravo", "alpha", "echo", "charlie", "delta", "foxtrot"], await RunNamesAsync(page));

        await header.Locator("a").ClickAsync();
        await Expect(header).ToHaveAttributeAsync("aria-sort", "descending");
        await Expect(header).ToContainTextAsync("▼");
        Assert.Equal(["foxtrot", "delta", "charlie", "echo", "alpha", "bravo"], await RunNamesAsync(page));
        // The chosen column stays while sorting by it.
        await Expect(header).ToHaveCountAsync(1);

        var notes = page.Locator("#runs-table tbody tr").First.Locator("td[title]");
        await Expect(notes).ToHaveAttributeAsync("title", Notes("foxtrot"));
        await Expect(notes).ToContainTextAsync("…");
        await BrowserFixture.ScreenshotAsync(page, "experiments-table");
    }

    [Fact]
    public async Task Compare_ThreeRuns_MarksDifferingParams_HidesEqualRows_OneSeriesPerRunWithALegend()
    {
        var (page, mlflow, _) = await SeededAsync("sweep-compare");
        mlflow.Dispose();
        foreach (var name in new[] { "alpha", "charlie", "delta" })
        {
            await page.Locator($"input[aria-label='Select {name}']").CheckAsync();
        }

        await page.Locator("#compare-runs").ClickAsync();
        var table = page.Locator("#compare-table");
        var lr = table.Locator("tr", new() { Has = page.Locator("th", new() { HasTextRegex = new("^lr") }) });
        await Expect(lr).ToHaveClassAsync("differs");
        await Expect(lr).ToContainTextAsync("≠");
        var batch = table.Locator("tr", new() { Has = page.Locator("th", new() { HasTextRegex = new("^batch_size") }) });
        await Expect(batch).ToHaveCountAsync(1);
        await Expect(batch).Not.ToHaveClassAsync("differs");

        await page.GetByLabel("Only differences").CheckAsync();
        await Expect(batch).ToHaveCountAsync(0);
        await Expect(lr).ToHaveCountAsync(1);

        var loss = page.Locator("[id='compare-chart-loss']");
        await Expect(loss.Locator(".rz-legend-item-text")).ToHaveTextAsync(["alpha", "charlie", "delta"]);
        await page.WaitForFunctionAsync("[...document.querySelectorAll(\"[id='compare-chart-loss'] path\")].filter(p => (p.getAttribute('d') || '').split('L').length > 5).length === 3");
        // Logged once per run: a table of values, not an empty chart.
        await Expect(page.Locator("[id='compare-chart-f1']")).ToHaveCountAsync(0);
        await Expect(page.Locator("[id='compare-values-f1']")).ToContainTextAsync("charlie");
        await BrowserFixture.ScreenshotAsync(page, "experiments-compare-three");
        await BrowserFixture.ScreenshotAsync(loss, "experiments-compare-chart");
    }

    [Fact]
    public async Task Paging_NextAndPreviousFollowTheSearchsPageTokens_AndShowWhichRuns()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var project = FixtureNames.Next("many-runs");
        await ProjectPages.CreateHostedAsync(page, project);
        using var mlflow = Client(user, project);
        var experimentId = (await ExperimentsTabTests.PostAsync(mlflow, "experiments/create", new { name = "many" })).GetProperty("experiment_id").GetString();
        for (var i = 0; i < 55; i++)
        {
            await ExperimentsTabTests.PostAsync(mlflow, "runs/create", new { experiment_id = experimentId, run_name = $"run-{i:00}", start_time = 1_700_000_000_000L + i });
        }

        await ProjectPages.OpenTabAsync(page, "Experiments");
        await Expect(page.Locator("#runs-count")).ToHaveTextAsync("Runs 1–50 of 55");
        await Expect(page.Locator("#runs-table tbody tr").First).ToContainTextAsync("run-54");
        await Expect(page.Locator("#runs-previous")).ToHaveCountAsync(0);

        await page.Locator("#runs-next").ClickAsync();
        await Expect(page.Locator("#runs-count")).ToHaveTextAsync("Runs 51–55 of 55");
        Assert.Equal(["run-04", "run-03", "run-02", "run-01", "run-00"], await RunNamesAsync(page));
        await Expect(page.Locator("#runs-next")).ToHaveCountAsync(0);

        await page.Locator("#runs-previous").ClickAsync();
        await Expect(page.Locator("#runs-count")).ToHaveTextAsync("Runs 1–50 of 55");
        await page.Locator("#runs-paging a", new() { HasText = "100" }).ClickAsync();
        await Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(55);
        await Expect(page.Locator("#runs-next")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// What a new user met following old links: a run that is gone and a hand-written page=2 showed an empty page or the
    /// API's page-token message; a deleted run looked active; a metric logged once drew an empty chart; datasets were hidden.
    /// </summary>
    [Fact]
    public async Task StaleLinks_SayWhatIsShownInstead_ARunShowsItsDatasets_DeletedMark_AndNoEmptyCharts()
    {
        var (page, mlflow, experimentId) = await SeededAsync("sweep-links");
        using var _ = mlflow;
        var found = await ExperimentsTabTests.PostAsync(mlflow, "runs/search", new { experiment_ids = new[] { experimentId }, filter = "attributes.run_name IN ('alpha', 'bravo')", order_by = new[] { "attributes.run_name ASC" } });
        var ids = found.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_id").GetString()!).ToList();
        var dataset = new { name = "iris-train", digest = "5f1c2a9e", source_type = "code", source = "{}" };
        await ExperimentsTabTests.PostAsync(mlflow, "runs/log-inputs", new { run_id = ids[0], datasets = new[] { new { tags = new[] { new { key = "mlflow.data.context", value = "training" } }, dataset } } });
        await ExperimentsTabTests.PostAsync(mlflow, "runs/delete", new { run_id = ids[1] });
        var tab = page.Url.Contains('?', StringComparison.Ordinal) ? page.Url : $"{page.Url}?tab=experiments";

        await page.Locator("#runs-table a", new() { HasText = "alpha" }).ClickAsync();
        await Expect(page.Locator("#run-datasets")).ToContainTextAsync("iris-train");
        await Expect(page.Locator("#run-datasets")).ToContainTextAsync("training");
        await Expect(page.Locator("#chart-loss")).ToHaveCountAsync(1);
        await Expect(page.Locator("#chart-val_loss")).ToHaveCountAsync(0);
        await Expect(page.Locator("#run-detail")).ToContainTextAsync("val_loss");

        await page.GotoAsync($"{tab}&run=no-such-run");
        await Expect(page.Locator("#experiments-notice")).ToContainTextAsync("Run no-such-run was not found");
        await Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(Sweep.Length - 1);

        await page.GotoAsync($"{tab}&page=2");
        await Expect(page.Locator("#experiments-notice")).ToContainTextAsync("showing the first page");
        await Expect(page.Locator("#runs-filter-error")).ToHaveCountAsync(0);
        await Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(Sweep.Length - 1);

        await page.GotoAsync($"{tab}&run={ids[1]}");
        await Expect(page.Locator("#run-deleted")).ToBeVisibleAsync();
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    private HttpClient Client(string user, string project)
    {
        var mlflow = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseAddress, $"{user}/{project}.mlflow/api/2.0/mlflow/") };
        mlflow.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        return mlflow;
    }

    private static string Notes(string run) => $"Run {run} of the learning-rate sweep, logged by the nightly training job on the shared GPU pool";

    private static async Task<string[]> RunNamesAsync(IPage page) =>
        [.. await page.Locator("#runs-table tbody tr td:nth-child(2)").AllInnerTextsAsync()];

    /// <summary>A new account and project with the sweep logged in one experiment; the page is on its Experiments tab, reached by clicking.</summary>
    private async Task<(IPage Page, HttpClient Mlflow, string ExperimentId)> SeededAsync(string project)
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        project = FixtureNames.Next(project);
        await ProjectPages.CreateHostedAsync(page, project);
        var mlflow = Client(user, project);
        var experimentId = (await ExperimentsTabTests.PostAsync(mlflow, "experiments/create", new { name = "sweep" })).GetProperty("experiment_id").GetString()!;
        var start = 1_700_000_000_000L;
        foreach (var (name, lr, optimizer, loss, valLoss) in Sweep)
        {
            var run = await ExperimentsTabTests.PostAsync(mlflow, "runs/create", new { experiment_id = experimentId, run_name = name, start_time = start++ });
            var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString();
            // loss falls over ten steps to its final value; the others are logged once.
            var metrics = Enumerable.Range(0, 10).Select(step => new { key = "loss", value = loss + ((9 - step) * 0.1), timestamp = start, step = (long)step })
                .Append(new { key = "val_loss", value = valLoss, timestamp = start, step = 0L })
                .Concat(OnceMetrics.Select(key => new { key, value = 1 - loss, timestamp = start, step = 0L }));
            var @params = new[] { new { key = "lr", value = lr }, new { key = "optimizer", value = optimizer }, new { key = "batch_size", value = "32" }, new { key = "notes", value = Notes(name) } };
            await ExperimentsTabTests.PostAsync(mlflow, "runs/log-batch", new { run_id = runId, metrics, @params });
            await ExperimentsTabTests.PostAsync(mlflow, "runs/update", new { run_id = runId, status = "FINISHED", end_time = start + 60_000 });
        }

        await ProjectPages.OpenTabAsync(page, "Experiments");
        await Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(Sweep.Length);
        return (page, mlflow, experimentId);
    }
}
