using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.Remotes;

/// <summary>
/// The storage remote, driven with the requests DVC's HTTP remote sends
/// (https://dvc.org/doc/user-guide/data-management/remote-storage/http: "method … By default, POST is used";
/// objects are read with HEAD/GET; `dvc remote modify origin auth basic` + user/password send Basic auth).
/// DVC 3 stores objects at files/md5/&lt;2&gt;/&lt;30&gt;, DVC 2 at &lt;2&gt;/&lt;30&gt;; a directory is a JSON manifest named &lt;md5&gt;.dir.
/// </summary>
public sealed class DvcRemoteTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    private static string Md5(byte[] content) => Convert.ToHexStringLower(MD5.HashData(content));

    private static string Dvc3Path(string md5, string suffix = "") => $"files/md5/{md5[..2]}/{md5[2..]}{suffix}";

    private HttpClient Client(string user, string secret)
    {
        var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{secret}")));
        return client;
    }

    [Fact]
    public async Task PushExistsPull_ForFilesAndADirectoryManifest_InDvc3AndDvc2Layouts()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var dvc = Client(user, token);
        var remote = $"/{user}/{repo}.dvc";
        var first = Encoding.UTF8.GetBytes("features,label\n1,0\n2,1\n");
        var second = RandomNumberGenerator.GetBytes(20_000);
        var manifest = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[]
        {
            new { md5 = Md5(first), relpath = "train.csv" },
            new { md5 = Md5(second), relpath = "weights.bin" },
        }));

        // dvc push: HEAD to see what is missing, then POST each missing object.
        Assert.Equal(HttpStatusCode.NotFound, (await dvc.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"{remote}/{Dvc3Path(Md5(first))}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dvc.PostAsync($"{remote}/{Dvc3Path(Md5(first))}", new ByteArrayContent(first))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dvc.PutAsync($"{remote}/{Dvc3Path(Md5(second))}", new ByteArrayContent(second))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dvc.PostAsync($"{remote}/{Dvc3Path(Md5(manifest), ".dir")}", new ByteArrayContent(manifest))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dvc.PostAsync($"{remote}/{Md5(first)[..2]}/{Md5(first)[2..]}", new ByteArrayContent(first))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await dvc.PostAsync($"{remote}/{Dvc3Path(Md5(first))}", new ByteArrayContent(first))).StatusCode);

        // dvc status -c / dvc pull: HEAD, then GET.
        var head = await dvc.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"{remote}/{Dvc3Path(Md5(second))}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(second.Length, head.Content.Headers.ContentLength);
        Assert.Equal(first, await dvc.GetByteArrayAsync($"{remote}/{Dvc3Path(Md5(first))}"));
        Assert.Equal(manifest, await dvc.GetByteArrayAsync($"{remote}/{Dvc3Path(Md5(manifest), ".dir")}"));
        Assert.Equal(first, await dvc.GetByteArrayAsync($"{remote}/{Md5(first)[..2]}/{Md5(first)[2..]}"));

        var ranged = new HttpRequestMessage(HttpMethod.Get, $"{remote}/{Dvc3Path(Md5(second))}");
        ranged.Headers.Range = new RangeHeaderValue(100, 199);
        var part = await dvc.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(second[100..200], await part.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task UploadWhoseMd5DoesNotMatchItsName_IsRefused_AndNothingIsStored()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var dvc = Client(user, token);
        var claimed = Md5(Encoding.UTF8.GetBytes("what the name promises"));

        var response = await dvc.PostAsync($"/{user}/{repo}.dvc/{Dvc3Path(claimed)}", new ByteArrayContent(Encoding.UTF8.GetBytes("something else")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("MD5", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await dvc.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{user}/{repo}.dvc/{Dvc3Path(claimed)}"))).StatusCode);
    }

    [Fact]
    public async Task InterruptedUpload_LeavesNothing()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var dvc = Client(user, token);
        var content = RandomNumberGenerator.GetBytes(30_000);
        var path = $"/{user}/{repo}.dvc/{Dvc3Path(Md5(content))}";

        await Assert.ThrowsAnyAsync<Exception>(() => dvc.PostAsync(path, new StreamContent(new BreaksAfter(content, 10_000))));

        Assert.Equal(HttpStatusCode.NotFound, (await dvc.SendAsync(new HttpRequestMessage(HttpMethod.Head, path))).StatusCode);
        var leftovers = Directory.EnumerateFiles(Path.Combine(portal.DataDir, "dvc"), "*", SearchOption.AllDirectories)
            .Where(f => f.Contains("/incoming/", StringComparison.Ordinal) || f.EndsWith(Md5(content)[2..], StringComparison.Ordinal))
            .ToList();
        Assert.Empty(leftovers);
    }

    [Fact]
    public async Task Quota_IsEnforcedWith507_AndAClearMessage()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var dvc = Client(user, token);
        var fits = RandomNumberGenerator.GetBytes(40_000);
        var tooMuch = RandomNumberGenerator.GetBytes(40_000);

        var first = await dvc.PostAsync($"/{user}/{repo}.dvc/{Dvc3Path(Md5(fits))}", new ByteArrayContent(fits));
        var second = await dvc.PostAsync($"/{user}/{repo}.dvc/{Dvc3Path(Md5(tooMuch))}", new ByteArrayContent(tooMuch));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.InsufficientStorage, second.StatusCode);
        Assert.Contains("storage is full", await second.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await dvc.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{user}/{repo}.dvc/{Dvc3Path(Md5(tooMuch))}"))).StatusCode);
    }

    [Fact]
    public async Task ReadOnlyToken_CannotWrite_ButCanRead()
    {
        var (user, token, readToken, repo) = await portal.CreateProjectAsync();
        var content = Encoding.UTF8.GetBytes("read me");
        var path = $"/{user}/{repo}.dvc/{Dvc3Path(Md5(content))}";
        using var writer = Client(user, token);
        using var reader = Client(user, readToken);

        var refused = await reader.PostAsync(path, new ByteArrayContent(content));
        await writer.PostAsync(path, new ByteArrayContent(content));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("'write' scope", await refused.Content.ReadAsStringAsync());
        Assert.Equal(content, await reader.GetByteArrayAsync(path));
    }

    [Fact]
    public async Task PrivateRepository_IsHidden_FromOutsidersAndAnonymous()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        var content = Encoding.UTF8.GetBytes("secret data");
        var path = $"/{user}/{repo}.dvc/{Dvc3Path(Md5(content))}";
        using (var owner = Client(user, token))
        {
            await owner.PostAsync(path, new ByteArrayContent(content));
        }

        var (outsider, outsiderPassword) = await portal.CreateUserAsync("outsider");
        using var stranger = Client(outsider, await portal.CreateTokenAsync(outsider, outsiderPassword));
        using var anonymous = portal.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/{user}/no-such-repo.dvc/{Dvc3Path(Md5(content))}")).StatusCode);
        var challenged = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, challenged.StatusCode);
        Assert.Contains(challenged.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
    }

    [Theory]
    [InlineData("files/md5/zz/0123456789abcdef0123456789abcd")]
    [InlineData("files/md5/../../etc/passwd")]
    [InlineData("files/sha256/ab/0123456789abcdef0123456789abcd")]
    public async Task NonObjectPaths_AreRefused(string path)
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var dvc = Client(user, token);

        var response = await dvc.PostAsync($"/{user}/{repo}.dvc/{path}", new ByteArrayContent([1, 2, 3]));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, response.StatusCode.ToString());
    }

    /// <summary>A request body whose connection drops part way.</summary>
    private sealed class BreaksAfter(byte[] content, int breakAt) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (position >= breakAt)
            {
                throw new IOException("Connection reset by peer.");
            }

            var n = Math.Min(count, breakAt - position);
            Array.Copy(content, position, buffer, offset, n);
            position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
