using System.Net;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Browsing;

/// <summary>The commit page of a huge commit, served by a real Portal process whose memory is watched.</summary>
[Trait("Category", "Hardening")]
public sealed class HugeCommitPageTests : IAsyncLifetime
{
    private PortalProcess portal = default!;

    public async Task InitializeAsync() => portal = await PortalProcess.StartAsync(settings: new Dictionary<string, string>
    {
        ["Portal:Admin:UserName"] = HostedPortalFixture.AdminName,
        ["Portal:Admin:Password"] = HostedPortalFixture.AdminPassword,
    });

    [Fact]
    public async Task CommitPage_OfTwentyNamesForA20MBBlob_ShowsTheStartOfTheDiff_AndMemoryStaysFlat()
    {
        using var admin = new HttpClient { BaseAddress = portal.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{HostedPortalFixture.AdminName}:{HostedPortalFixture.AdminPassword}")));
        var created = await admin.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = HostedPortalFixture.AdminName, name = "huge", visibility = "public" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var repository = Path.Combine(portal.DataDir, "repositories", "1.git");
        var small = HugeCommit.Create(repository, 4096, names: 2, message: "Small");
        var huge = HugeCommit.Create(repository, 20L * 1024 * 1024, names: 20);
        using var browser = new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        for (var warmUp = 0; warmUp < 2; warmUp++)
        {
            Assert.Contains("huge-02.txt", await browser.GetStringAsync($"{HostedPortalFixture.AdminName}/huge?tab=commits&commit={small}"));
        }

        var before = portal.ResidentBytes();

        var page = await browser.GetStringAsync($"{HostedPortalFixture.AdminName}/huge?tab=commits&commit={huge}");

        var growth = portal.ResidentBytes() - before;
        Console.WriteLine($"Commit page of a 400 MB diff: Portal RSS grew {growth / 1048576} MiB");
        // Reading the whole diff would take 400 MB of text (800 MB as .NET strings); the page reads 1 MB of it.
        Assert.True(growth < 200L * 1024 * 1024, $"Portal's memory grew by {growth / 1048576} MiB while rendering the page.");
        Assert.Contains("id=\"diff-truncated\"", page);
        Assert.Contains("git show", page);
        Assert.Contains("huge-20.txt", page);
    }

    public async Task DisposeAsync() => await portal.DisposeAsync();
}
