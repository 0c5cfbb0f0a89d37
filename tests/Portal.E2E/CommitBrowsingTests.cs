using Microsoft.Playwright;
using Portal.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// Commits as GitLab and Gitea users expect, reached by clicking from the project page: the total count, the branch
/// graph with each merge's parents, a directory's own history, and comparing two branches.
/// </summary>
public sealed class CommitBrowsingTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Commits_ShowTheCount_TheGraphAndParents_APathsHistory_AndCompareTwoBranches()
    {
        var (page, user) = await MirroredProject.SignedInAsync(browser);
        var name = FixtureNames.Next("commits");
        var upstream = browser.Upstream.CreateRepository(name);
        upstream.Commit("main", "First", "README.md");
        upstream.Commit("main", "Write the guide", "docs/guide.md");
        upstream.Commit("feature", "Feature one", "feature.txt");
        upstream.Commit("feature", "Feature two", "feature.txt");
        upstream.Commit("main", "Main moves on", "docs/guide.md");
        TestGit.Run(upstream.WorkPath, "merge", "--quiet", "--no-ff", "-m", "Merge the feature", "feature");
        upstream.Commit("topic", "Topic work", "topic.txt");
        upstream.Push();
        await MirroredProject.MirrorAsync(browser, user, user, name);
        await MirroredProject.OpenAsync(page, user, name);

        // A user has no organization page to link to.
        await Expect(page.Locator("#repo-title .repo-owner")).ToHaveTextAsync(user);
        await Expect(page.Locator("#repo-title a.repo-owner")).ToHaveCountAsync(0);

        // The history: every commit counted, drawn on the graph, the merge naming its two parents.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Commits" }).ClickAsync();
        await Expect(page.Locator("#commit-count")).ToHaveTextAsync("6 commits");
        await Expect(page.Locator("#commit-list li")).ToHaveCountAsync(6);
        await Expect(page.Locator("#commit-list li svg.graph circle")).ToHaveCountAsync(6);
        var merge = page.Locator("#commit-list li").First;
        await Expect(merge).ToContainTextAsync("Merge the feature");
        await Expect(merge.Locator(".merge")).ToContainTextAsync("merge of");
        await Expect(merge.Locator("svg.graph line")).Not.ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "commits-graph");

        await merge.Locator("a.subject").ClickAsync();
        await Expect(page.Locator("#commit-detail .parent-link")).ToHaveCountAsync(2);
        await page.Locator("#commit-detail .parent-link").Last.ClickAsync();
        await Expect(page.Locator("#commit-detail h2")).ToHaveTextAsync("Feature two");

        // A directory's own history, from the file listing.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Files" }).ClickAsync();
        await page.Locator("#file-tree").GetByText("docs", new() { Exact = true }).ClickAsync();
        await Expect(page.Locator("#directory-history")).ToContainTextAsync("2 commits");
        await page.Locator("#directory-history").ClickAsync();
        await Expect(page.Locator("#history-title")).ToContainTextAsync("History of docs");
        await Expect(page.Locator("#commit-list a.subject")).ToHaveTextAsync(["Main moves on", "Write the guide"]);

        // Compare: the topic branch against main, picked from the list.
        await page.Locator("#compare-link").ClickAsync();
        await Expect(page.Locator("#compare-summary")).ToContainTextAsync("0 commits ahead");
        await page.Locator("#compare-head").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "topic", Exact = true }).ClickAsync();
        await Expect(page.Locator("#compare-summary")).ToContainTextAsync("1 commit ahead");
        await Expect(page.Locator("#compare-summary")).ToContainTextAsync("0 commits behind");
        await Expect(page.Locator("#compare-commits")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Topic work"));
        await Expect(page.Locator("#compare")).ToContainTextAsync("topic.txt");
        await BrowserFixture.ScreenshotAsync(page, "commits-compare");

        await page.Locator("#compare-swap").ClickAsync();
        await Expect(page.Locator("#compare-summary")).ToContainTextAsync("1 commit behind");
    }
}
