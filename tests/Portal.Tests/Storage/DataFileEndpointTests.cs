using System.Net;
using System.Security.Cryptography;
using System.Text;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Storage;

/// <summary>
/// The Files tab's download link for DVC-tracked data, /{owner}/{name}/-/data?ref=…&amp;path=…: a file a .dvc file
/// declares at that commit streams from the repository's storage to whoever may read the repository, and to nobody
/// else (answered exactly like a missing repository).
/// </summary>
public sealed class DataFileEndpointTests(DvcPortalFixture fixture) : IClassFixture<DvcPortalFixture>
{
    [Fact]
    public async Task TrackedFile_DownloadsFromStorage_ForReadersOnly_AndSaysWhenItWasNeverPushed()
    {
        var owner = await fixture.CreateUserAsync("owner");
        var repository = await fixture.CreateHostedAsync(owner, owner.Name);
        var content = Encoding.UTF8.GetBytes("id,label\n1,0\n2,1\n");
        var md5 = Convert.ToHexStringLower(MD5.HashData(content));
        using (var work = new WorkingCopy())
        {
            Directory.CreateDirectory(Path.Combine(work.Path, "data"));
            work.Commit("data/table.csv.dvc", Encoding.UTF8.GetBytes($"outs:\n- md5: {md5}\n  size: {content.Length}\n  hash: md5\n  path: table.csv\n"));
            work.Commit("notes.txt");
            var push = work.Git("push", fixture.Url(owner.Name, repository, owner), "HEAD:refs/heads/main");
            Assert.True(push.ExitCode == 0, push.Output);
        }

        var link = $"{owner.Name}/{repository}/-/data?ref=main&path=data/table.csv";
        using var reader = fixture.BasicClient(owner.Name, owner.Token);
        using var beforePush = await reader.GetAsync(link);
        using (var dvc = fixture.BasicClient(owner.Name, owner.Token))
        {
            Assert.Equal(HttpStatusCode.Created, (await dvc.PostAsync($"{owner.Name}/{repository}.dvc/files/md5/{md5[..2]}/{md5[2..]}", new ByteArrayContent(content))).StatusCode);
        }

        using var afterPush = await reader.GetAsync(link);
        var stranger = await fixture.CreateUserAsync("stranger");
        using var forStranger = await fixture.BasicClient(stranger.Name, stranger.Token).GetAsync(link);
        using var forAnonymous = await fixture.AnonymousClient().GetAsync(link);
        using var missingRepository = await fixture.BasicClient(stranger.Name, stranger.Token).GetAsync(link.Replace(repository, repository + "-missing", StringComparison.Ordinal));
        using var gitFile = await reader.GetAsync($"{owner.Name}/{repository}/-/data?ref=main&path=notes.txt");

        Assert.Equal(HttpStatusCode.NotFound, beforePush.StatusCode);
        Assert.Contains("dvc push", await beforePush.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, afterPush.StatusCode);
        Assert.Equal(content, await afterPush.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", afterPush.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Contains("table.csv", afterPush.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        Assert.Equal("nosniff", afterPush.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.NotFound, forStranger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, forAnonymous.StatusCode);
        var strangerText = await forStranger.Content.ReadAsStringAsync();
        Assert.Equal((await missingRepository.Content.ReadAsStringAsync()).Replace(repository + "-missing", repository, StringComparison.Ordinal), strangerText);
        Assert.DoesNotContain("table", strangerText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, gitFile.StatusCode);
    }
}
