using System.Net;
using System.Net.Http.Headers;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// The Remotes panel shows what each remote stores of the repository's one storage quota: Git LFS beside Git, DVC
/// objects beside DVC, MLflow artifacts beside MLflow, and the total against the quota.
/// </summary>
public sealed class StorageUsageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ArtifactsLoggedByMlflow_ShowTheirBytesOnTheRemotesPanel_BesideDvcAndLfs()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var project = FixtureNames.Next("usage");
        await ProjectPages.CreateHostedAsync(page, project);

        // mlflow.start_run() then mlflow.log_artifact() of a 3,000-byte file and a 1,000-byte one.
        using var mlflow = ProjectPages.Api(browser, user);
        var (_, artifacts) = await ProjectPages.StartMlflowRunAsync(mlflow, user, project, "usage", "sizes");
        foreach (var (file, size) in new[] { ("model.pkl", 3_000), ("metrics.json", 1_000) })
        {
            using var body = new ByteArrayContent(new byte[size]);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var put = await mlflow.PutAsync($"{artifacts}/{file}", body);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await ProjectPages.OpenFromDashboardAsync(page, project);
        var panel = await ProjectPages.OpenAllRemotesAsync(page);

        await Expect(panel.Locator("#artifact-usage")).ToHaveTextAsync("artifacts: 2 files, 3.9 KB");
        await Expect(panel.Locator("#storage-usage")).ToHaveTextAsync("0 objects, 0 B");
        await Expect(panel.Locator("#lfs-usage")).ToHaveTextAsync("LFS: 0 objects, 0 B");
        await Expect(panel.Locator("#quota-usage")).ToContainTextAsync("3.9 KB of the 50 GB storage quota used");
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await BrowserFixture.ScreenshotAsync(panel, "remotes-panel-storage-usage");
    }
}
