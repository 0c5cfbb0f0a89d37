using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>Artifacts logged through the MLflow remote show on the run's page: a tree, images rendered, JSON previewed.</summary>
public sealed class RunArtifactsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>A 4×4 red PNG.</summary>
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==");

    [Fact]
    public async Task RunPage_ShowsLoggedArtifacts_AnImageRendered_AndJsonPreviewed()
    {
        var (page, user) = await ProjectPages.SignedInAsync(browser);
        var project = FixtureNames.Next("plots");
        await ProjectPages.CreateHostedAsync(page, project);

        // What mlflow.start_run() and mlflow.log_artifact() send, with the account's credentials.
        using var mlflow = ProjectPages.Api(browser, user);
        var (artifactUri, artifacts) = await ProjectPages.StartMlflowRunAsync(mlflow, user, project, "plots", "with-plots");
        var image = new ByteArrayContent(Png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await SendAsync(mlflow, HttpMethod.Put, $"{artifacts}/plots/loss.png", image);
        await SendAsync(mlflow, HttpMethod.Put, $"{artifacts}/summary.json", new StringContent("{\"accuracy\":0.93,\"classes\":[\"cat\",\"dog\"]}", Encoding.UTF8, "application/json"));

        await ProjectPages.OpenTabAsync(page, "Experiments");
        await page.Locator("#runs-table a", new() { HasText = "with-plots" }).ClickAsync();
        var tree = page.Locator("#run-artifacts");
        await tree.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "plots/" }).ClickAsync();
        await tree.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "loss.png" }).ClickAsync();

        // Rendered, not merely present: the browser decoded the bytes it fetched from the store.
        await Expect(page.Locator("#artifact-image")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("document.querySelector('#artifact-image').complete && document.querySelector('#artifact-image').naturalWidth === 4");
        await BrowserFixture.ScreenshotAsync(page.Locator("#run-artifacts"), "run-artifacts-image");

        await tree.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "summary.json" }).ClickAsync();
        await Expect(page.Locator("#artifact-text")).ToContainTextAsync("\"accuracy\": 0.93");
        await Expect(page.Locator("#artifact-preview").GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Download" }))
            .ToHaveAttributeAsync("href", $"{user}/{project}/-/artifacts?path={Uri.EscapeDataString($"{artifactUri["mlflow-artifacts:/".Length..]}/summary.json")}&download=1");
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    private static async Task<JsonElement> SendAsync(HttpClient client, HttpMethod method, string url, HttpContent content)
    {
        var response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = content });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
