using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// DVC-tracked data in the Files tab, as DagsHub shows it: a repository whose `dvc add` (a .dvc file) and `dvc repro`
/// (dvc.lock, with a directory output) outputs were pushed to Portal's storage shows them where they belong, marked as
/// data, with their size and whether storage has them; a directory output opens into the files its manifest lists, and
/// the files download from storage. Everything reached by clicking.
/// </summary>
public sealed class DvcDataBrowsingTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static string Md5(byte[] content) => Convert.ToHexStringLower(MD5.HashData(content));

    [Fact]
    public async Task Files_ShowDvcOutputs_FromDvcFilesAndDvcLock_AndDownloadThemFromStorage()
    {
        var (page, user) = await MirroredProject.SignedInAsync(browser);
        var name = FixtureNames.Next("dvcdata");
        var raw = Encoding.UTF8.GetBytes("id,text\n1,hello\n2,world\n");
        var train = Encoding.UTF8.GetBytes("id,label\n1,0\n");
        var test = Encoding.UTF8.GetBytes("id,label\n2,1\n");
        var model = RandomNumberGenerator.GetBytes(150_000);
        // dvc-data writes a directory's manifest with json.dumps(sort_keys=True).
        var manifest = Encoding.UTF8.GetBytes($"[{{\"md5\": \"{Md5(test)}\", \"relpath\": \"test.csv\"}}, {{\"md5\": \"{Md5(train)}\", \"relpath\": \"train.csv\"}}]");

        var upstream = browser.Upstream.CreateRepository(name);
        MirroredProject.Write(upstream, "README.md", "# Data\n", "Start");
        MirroredProject.Write(upstream, "data/.gitignore", "/raw.csv\n/prepared\n", "Ignore the data");
        MirroredProject.Write(upstream, "data/raw.csv.dvc", $"""
            outs:
            - md5: {Md5(raw)}
              size: {raw.Length}
              hash: md5
              path: raw.csv
            """, "dvc add data/raw.csv");
        MirroredProject.Write(upstream, "dvc.lock", $"""
            schema: '2.0'
            stages:
              prepare:
                cmd: python prepare.py data/raw.csv  # splits the data
                deps:
                - path: data/raw.csv
                  hash: md5
                  md5: {Md5(raw)}
                  size: {raw.Length}
                params:
                  params.yaml:
                    prepare.split: 0.5
                outs:
                - path: data/prepared
                  hash: md5
                  md5: {Md5(manifest)}.dir
                  size: {train.Length + test.Length}
                  nfiles: 2
              train:
                cmd:
                - python train.py
                outs:
                - path: model.pkl
                  hash: md5
                  md5: {Md5(model)}
                  size: {model.Length}
            """, "dvc repro");
        upstream.Push();
        await MirroredProject.MirrorAsync(browser, user, user, name);

        // dvc push: everything but test.csv.
        using (var dvc = MirroredProject.Api(browser, user))
        {
            foreach (var (content, suffix) in new[] { (raw, ""), (manifest, ".dir"), (train, ""), (model, "") })
            {
                var md5 = Md5(content);
                var pushed = await dvc.PostAsync($"{user}/{name}.dvc/files/md5/{md5[..2]}/{md5[2..]}{suffix}", new ByteArrayContent(content));
                Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
            }
        }

        await MirroredProject.OpenAsync(page, user, name);

        // The root: model.pkl from dvc.lock, marked as data, with its size, in storage.
        var modelRow = Row(page, "model.pkl");
        await Expect(modelRow.Locator(".data-badge")).ToHaveTextAsync("DVC");
        await Expect(modelRow).ToContainTextAsync("146.5 KB");
        await Expect(modelRow).ToContainTextAsync("in storage");
        await BrowserFixture.ScreenshotAsync(page, "files-dvc-root");

        // data/: raw.csv from its .dvc file, and the directory output prepared from dvc.lock.
        await page.Locator("#file-tree").GetByText("data", new() { Exact = true }).ClickAsync();
        await Expect(Row(page, "data/raw.csv").Locator(".data-badge")).ToHaveTextAsync("DVC");
        await Expect(Row(page, "data/raw.csv")).ToContainTextAsync("in storage");
        await Expect(Row(page, "data/prepared")).ToContainTextAsync("2 files");
        await Expect(Row(page, "data/raw.csv.dvc")).ToHaveCountAsync(0);
        await Expect(page.Locator("#file-tree").GetByText("raw.csv.dvc")).ToBeVisibleAsync();

        // prepared/: the files its manifest lists; test.csv was never pushed.
        await Row(page, "data/prepared").Locator("a").ClickAsync();
        await Expect(Row(page, "data/prepared/train.csv")).ToContainTextAsync("in storage");
        await Expect(Row(page, "data/prepared/test.csv")).ToContainTextAsync("not in storage");
        await BrowserFixture.ScreenshotAsync(page, "files-dvc-directory");
        var trainDownload = await page.RunAndWaitForDownloadAsync(() => Row(page, "data/prepared/train.csv").Locator("a").ClickAsync());
        Assert.Equal("train.csv", trainDownload.SuggestedFilename);
        Assert.Equal(train, await File.ReadAllBytesAsync((await trainDownload.PathAsync())!));

        // Back at the root, the model downloads whole.
        await page.Locator("nav.breadcrumb a").First.ClickAsync();
        var modelDownload = await page.RunAndWaitForDownloadAsync(() => Row(page, "model.pkl").Locator("a").ClickAsync());
        Assert.Equal(model, await File.ReadAllBytesAsync((await modelDownload.PathAsync())!));
    }

    private static ILocator Row(IPage page, string path) => page.Locator($"#file-tree tr.data-entry[data-path='{path}']");
}
