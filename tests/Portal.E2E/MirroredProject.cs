using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Portal.Testing;

namespace Portal.E2E;

/// <summary>Sets up a project to browse: a user signed in, and a mirror of an upstream built by the test, synced.</summary>
public static class MirroredProject
{
    public static HttpClient Api(BrowserFixture browser, string user)
    {
        var api = new HttpClient { BaseAddress = browser.Portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{AccountPages.Password}")));
        return api;
    }

    /// <summary>
    /// Creates the mirror over the API (setup) and waits until its import finished with <paramref name="status"/>; from
    /// the upstream of the same name unless <paramref name="cloneUrl"/> says otherwise.
    /// </summary>
    public static async Task MirrorAsync(BrowserFixture browser, string user, string owner, string name, string status = "succeeded", string? cloneUrl = null)
    {
        using var api = Api(browser, user);
        var created = await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = cloneUrl ?? browser.Upstream.Url(name), mode = "mirror", owner, name, visibility = "private" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var repository = await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/{owner}/{name}");
            if (repository.GetProperty("sync").GetProperty("status").GetString() == status)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The mirror {owner}/{name} did not reach '{status}'.");
    }

    /// <summary>A signed-in page of a new user.</summary>
    public static async Task<(IPage Page, string User)> SignedInAsync(BrowserFixture browser, int width = 1280)
    {
        var page = await browser.NewPageAsync(width);
        var user = AccountPages.NewUserName();
        await AccountPages.RegisterAsync(page, user);
        return (page, user);
    }

    /// <summary>Opens the project page (setup) and waits for its live circuit.</summary>
    public static async Task OpenAsync(IPage page, string owner, string name)
    {
        await page.GotoAsync($"{owner}/{name}");
        await AccountPages.WaitForCircuitAsync(page);
    }

    public static void Write(UpstreamRepository upstream, string path, string content, string message)
    {
        var full = Path.Combine(upstream.WorkPath, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        TestGit.Run(upstream.WorkPath, "add", "-A");
        TestGit.Run(upstream.WorkPath, "commit", "--quiet", "-m", message);
    }
}
