using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Hosting;
using Portal.Testing;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hardening;

/// <summary>Repository content is untrusted: commit messages, file names and file contents render as text.</summary>
[Trait("Category", "Hardening")]
public sealed class RenderedContentTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Payload = "<script>alert(1)</script><img src=x onerror=alert(2)>";

    [Fact]
    public async Task CommitMessagesFileNamesAndContents_AreEscaped()
    {
        var (user, password) = await portal.CreateUserAsync("render");
        using var api = portal.BearerClient(await portal.CreateTokenAsync(user, password));
        var created = await api.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name = "content", visibility = "public" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();
        var bare = portal.Services.GetRequiredService<DataDirectory>().RepositoryPath(id);

        var work = Directory.CreateTempSubdirectory("portal-xss-").FullName;
        try
        {
            TestGit.Run(work, "init", "--quiet", "--initial-branch=main", ".");
            var fileName = "<img src=x onerror=alert(3)>.txt";
            await File.WriteAllTextAsync(Path.Combine(work, fileName), Payload);
            TestGit.Run(work, "add", "-A");
            TestGit.Run(work, "commit", "--quiet", "-m", Payload);
            TestGit.Run(work, "push", "--quiet", bare, "main");

            using var browser = portal.CreateClient();
            var files = await browser.GetStringAsync($"/{user}/content");
            var file = await browser.GetStringAsync($"/{user}/content?tab=files&ref=main&path={Uri.EscapeDataString(fileName)}");
            var commits = await browser.GetStringAsync($"/{user}/content?tab=commits");

            foreach (var html in new[] { files, file, commits })
            {
                Assert.DoesNotContain("<script>alert(1)", html);
                Assert.DoesNotContain("<img src=x onerror", html);
            }

            Assert.Contains("&lt;img src=x onerror=alert(3)&gt;.txt", files);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", file);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", commits);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
