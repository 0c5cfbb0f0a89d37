using System.Net.Http.Headers;
using System.Text;
using static Microsoft.Playwright.Assertions;
using static Portal.E2E.ExperimentsTabTests;

namespace Portal.E2E;

/// <summary>Models registered over the MLflow API show up on the Models page, reached from the Experiments tab, each version linking to its run.</summary>
public sealed class ModelsPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ModelsPage_ListsModelsVersionsAliases_AndLinksEachVersionToItsRun()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var project = FixtureNames.Next("registry");
        await ProjectPages.CreateHostedAsync(page, project);
        using var mlflow = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseAddress, $"{user}/{project}.mlflow/api/2.0/mlflow/") };
        mlflow.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        var experiment = await PostAsync(mlflow, "experiments/create", new { name = "fraud" });
        var run = await PostAsync(mlflow, "runs/create", new { experiment_id = experiment.GetProperty("experiment_id").GetString(), run_name = "nightly-train", start_time = 1_700_000_000_000L });
        var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString();
        await PostAsync(mlflow, "registered-models/create", new { name = "fraud-detector", description = "Flags card fraud" });
        foreach (var _ in Enumerable.Range(0, 2))
        {
            await PostAsync(mlflow, "model-versions/create", new { name = "fraud-detector", source = $"runs:/{runId}/model", run_id = runId });
        }

        await PostAsync(mlflow, "registered-models/alias", new { name = "fraud-detector", alias = "champion", version = "2" });

        await ProjectPages.OpenTabAsync(page, "Experiments");
        await page.Locator("#models-link").ClickAsync();
        var models = page.Locator("#models-view");
        await Expect(models).ToContainTextAsync("fraud-detector");
        await Expect(models).ToContainTextAsync("Flags card fraud");
        await Expect(models).ToContainTextAsync("champion → v2");
        await Expect(models.Locator("table.versions tbody tr")).ToHaveCountAsync(2);
        await BrowserFixture.ScreenshotAsync(models, "models-page");

        await models.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "nightly-train" }).First.ClickAsync();
        await Expect(page.Locator("#run-detail")).ToContainTextAsync("nightly-train");
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }
}
