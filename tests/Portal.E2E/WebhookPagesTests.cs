using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Portal.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// A maintainer reaches the mirror's upstream webhook and its outbound webhooks by clicking: the URL and secret shown
/// are the ones Portal checks, a delivery appears in the recent list and "Redeliver" sends it again; a failing
/// mirror is badged on the dashboard and listed first.
/// </summary>
public sealed class WebhookPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string ReceiverSecret = "e2e-receiver-secret-0123";

    [Fact]
    public async Task AMaintainer_CopiesTheUpstreamWebhook_AddsAWebhook_SeesItsDeliveries_AndRedelivers()
    {
        var (page, user) = await RegisterAsync();
        using var api = Api(user);
        var name = FixtureNames.Next("hooked");
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        await MirrorAsync(api, browser.Upstream.Url(name), user, name);
        await WaitForStatusAsync(api, $"api/v1/repos/{user}/{name}", "succeeded");
        await using var receiver = await WebhookReceiver.StartAsync(ReceiverSecret);

        await ProjectPages.OpenFromDashboardAsync(page, name);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Settings" }).ClickAsync();

        // The upstream webhook: revealed on request, with each provider's steps.
        await page.Locator("#upstream-webhook-show").ClickAsync();
        var shownUrl = await page.Locator("#upstream-webhook-url").InnerTextAsync();
        Assert.StartsWith(browser.BaseAddress.ToString(), shownUrl, StringComparison.Ordinal);
        var hookUrl = browser.ReachableFromTests(shownUrl).ToString();
        var hookSecret = await page.Locator("#upstream-webhook-secret").InnerTextAsync();
        var fromApi = await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{user}/{name}/upstream-webhook");
        Assert.Equal(fromApi.GetProperty("url").GetString(), hookUrl);
        Assert.Equal(fromApi.GetProperty("secret").GetString(), hookSecret);
        await Expect(page.Locator("#upstream-webhook-instructions")).ToContainTextAsync("Bitbucket");

        // An outbound webhook for successful syncs, added on the page.
        await page.Locator("#webhook-url").FillAsync(receiver.Url);
        await page.Locator("#webhook-secret").FillAsync(ReceiverSecret);
        await page.Locator("#webhook-events").GetByText("sync.succeeded").ClickAsync();
        await page.Locator("#webhook-add").ClickAsync();
        await Expect(page.Locator("#webhooks-message")).ToContainTextAsync("added");
        await Expect(page.Locator("#webhook-list")).ToContainTextAsync(receiver.Url);

        // The upstream announces a push, as GitHub signs it, to the URL the page showed: a sync runs and is delivered.
        upstream.Commit("main");
        upstream.Push();
        using (var push = GitHubPush(hookUrl, hookSecret))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await api.SendAsync(push)).StatusCode);
        }

        var first = Assert.Single(await receiver.WaitForAsync(1));
        Assert.True(first.SignatureValid);
        Assert.Equal("sync.succeeded", first.Event);

        await page.Locator("#webhook-list .webhook-deliveries").ClickAsync();
        await Expect(page.Locator("#webhook-deliveries .delivery")).ToHaveCountAsync(1);
        await Expect(page.Locator("#webhook-deliveries .delivery-response")).ToHaveTextAsync("200");
        await page.Locator("#webhook-deliveries .delivery-redeliver").ClickAsync();
        await Expect(page.Locator("#webhooks-message")).ToContainTextAsync("Redelivery queued");
        var received = await receiver.WaitForAsync(2);
        Assert.Equal(first.Body, received[1].Body);
        Assert.NotEqual(first.Delivery, received[1].Delivery);
        await page.Locator("#webhook-list .webhook-deliveries").ClickAsync();
        await Expect(page.Locator("#webhook-deliveries .delivery")).ToHaveCountAsync(2);
        await Expect(page.Locator("#webhook-deliveries")).ToContainTextAsync("(redelivery)");
        await BrowserFixture.ScreenshotAsync(page, "webhooks-settings");
    }

    [Fact]
    public async Task AFailingMirror_IsBadgedOnTheDashboard_AndListedFirst()
    {
        var (page, user) = await RegisterAsync();
        using var api = Api(user);
        var healthy = FixtureNames.Next("healthy");
        var upstream = browser.Upstream.CreateRepository(healthy);
        upstream.Commit("main");
        upstream.Push();
        var broken = FixtureNames.Next("broken");
        // Nothing listens on port 1: the import fails.
        await MirrorAsync(api, "git://127.0.0.1:1/none.git", user, broken);
        await WaitForStatusAsync(api, $"api/v1/repos/{user}/{broken}", "failed");
        await MirrorAsync(api, browser.Upstream.Url(healthy), user, healthy);
        await WaitForStatusAsync(api, $"api/v1/repos/{user}/{healthy}", "succeeded");

        await page.GotoAsync("");

        await Expect(page.Locator("#broken-mirrors-badge")).ToHaveTextAsync("1");
        await Expect(page.Locator("#broken-mirrors")).ToContainTextAsync(broken);
        await Expect(page.Locator("#broken-mirrors")).Not.ToContainTextAsync(healthy);
        await Expect(page.Locator("#repo-list li").First).ToContainTextAsync(broken);
        await page.Locator("#broken-mirrors").GetByText(broken).ClickAsync();
        await Expect(page.Locator("#repo-title")).ToContainTextAsync(broken);
    }

    [Fact]
    public async Task AnOrganizationOwner_AddsAnOrganizationWebhook_FromTheOrganizationPage_ABadOneIsRefused()
    {
        var (page, user) = await RegisterAsync();
        using var api = Api(user);
        var org = FixtureNames.Next("hookorg");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("api/v1/orgs", new { name = org })).StatusCode);

        await page.GotoAsync("");
        await page.GetByRole(AriaRole.Link, new() { Name = "Organizations", Exact = true }).First.ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = org, Exact = true }).ClickAsync();
        await AccountPages.WaitForCircuitAsync(page);
        await page.Locator("#webhook-url").FillAsync("ftp://127.0.0.1/hooks");
        await page.Locator("#webhook-secret").FillAsync(ReceiverSecret);
        await page.Locator("#webhook-add").ClickAsync();
        await Expect(page.Locator("#webhooks-message")).ToContainTextAsync("http:// or https://");
        await Expect(page.Locator("#webhook-none")).ToBeVisibleAsync();
        await Expect(page.Locator("#webhook-secret")).ToHaveValueAsync("");

        await page.Locator("#webhook-url").FillAsync("http://127.0.0.1:9/hooks/portal");
        await page.Locator("#webhook-secret").FillAsync(ReceiverSecret);
        await page.Locator("#webhook-add").ClickAsync();
        await Expect(page.Locator("#webhook-list")).ToContainTextAsync("http://127.0.0.1:9/hooks/portal");
        var hooks = await api.GetFromJsonAsync<JsonElement>($"api/v1/orgs/{org}/webhooks");
        Assert.Equal("http://127.0.0.1:9/hooks/portal", Assert.Single(hooks.EnumerateArray()).GetProperty("url").GetString());
    }

    private async Task<(IPage Page, string User)> RegisterAsync()
    {
        var user = AccountPages.NewUserName();
        var page = await browser.NewPageAsync();
        await AccountPages.RegisterAsync(page, user);
        return (page, user);
    }

    private HttpClient Api(string user)
    {
        var api = new HttpClient { BaseAddress = browser.Portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        return api;
    }

    /// <summary>A push notification as GitHub sends it: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the body.</summary>
    private static HttpRequestMessage GitHubPush(string url, string secret)
    {
        const string body = """{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"1111111111111111111111111111111111111111"}""";
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))));
        return request;
    }

    private static async Task MirrorAsync(HttpClient api, string cloneUrl, string owner, string name)
    {
        var created = await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl, mode = "mirror", owner, name });
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
    }

    private static async Task WaitForStatusAsync(HttpClient api, string path, string expected)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((await api.GetFromJsonAsync<JsonElement>(path)).GetProperty("sync").GetProperty("status").GetString() == expected)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{path} did not reach '{expected}' in a minute.");
    }
}
