using System.Text;
using Portal.Core.Lfs;
using Portal.Core.Upstreams;

namespace Portal.Tests.Mirroring;

/// <summary>Tables for the pieces of Portal's own LFS client: pointers, endpoint discovery, batch answers.</summary>
public sealed class LfsProtocolTests
{
    private const string Oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

    [Theory]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:" + Oid + "\nsize 12345\n", 12345L)]
    [InlineData("version https://git-lfs.github.com/spec/v1\next-0-foo sha256:" + Oid + "\noid sha256:" + Oid + "\nsize 0\n", 0L)]
    [InlineData("version https://hawser.github.com/spec/v1\noid sha256:" + Oid + "\nsize 7\n", 7L)]
    public void Pointer_IsRead(string text, long size)
    {
        var pointer = LfsPointer.TryParse(Encoding.ASCII.GetBytes(text));

        Assert.Equal(new LfsPointer(Oid, size), pointer);
    }

    [Fact]
    public void ShortestPointer_IsMinPointerBytesLong()
    {
        // The whole-repository search skips blobs below MinPointerBytes unread: the shortest pointer must not be below it.
        var shortest = Encoding.ASCII.GetBytes("version https://hawser.github.com/spec/v1\noid sha256:" + Oid + "\nsize 0\n");

        Assert.NotNull(LfsPointer.TryParse(shortest));
        Assert.Equal(LfsPointer.MinPointerBytes, shortest.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:" + Oid + "\nsize 12345")]
    [InlineData("version https://git-lfs.github.com/spec/v2\noid sha256:" + Oid + "\nsize 1\n")]
    [InlineData("oid sha256:" + Oid + "\nversion https://git-lfs.github.com/spec/v1\nsize 1\n")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:" + Oid + "\n")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:" + Oid + "\nsize -1\n")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:" + Oid + "\nsize 99999999999999999999\n")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:ABC\nsize 1\n")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid md5:" + Oid + "\nsize 1\n")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:" + Oid + "\noid sha256:" + Oid + "\nsize 1\n")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:" + Oid + "\nsize 1\n\n")]
    [InlineData("version https://git-lfs.github.com/spec/v1\r\noid sha256:" + Oid + "\r\nsize 1\r\n")]
    [InlineData("just a small text file\n")]
    public void NotAPointer_IsAnOrdinaryFile(string text)
    {
        Assert.Null(LfsPointer.TryParse(Encoding.ASCII.GetBytes(text)));
    }

    [Theory]
    [InlineData("https://git.example/org/repo", "https://git.example/org/repo.git/info/lfs")]
    [InlineData("https://git.example/org/repo.git", "https://git.example/org/repo.git/info/lfs")]
    [InlineData("https://git.example/org/repo/", "https://git.example/org/repo.git/info/lfs")]
    [InlineData("http://git.example:8080/org/repo.git", "http://git.example:8080/org/repo.git/info/lfs")]
    [InlineData("https://bot:s3cret@git.example/org/repo.git", "https://git.example/org/repo.git/info/lfs")]
    [InlineData("git@git.example:org/repo.git", "https://git.example/org/repo.git/info/lfs")]
    [InlineData("ssh://git@git.example:2222/org/repo", "https://git.example/org/repo.git/info/lfs")]
    [InlineData("git://git.example/org/repo.git", "https://git.example/org/repo.git/info/lfs")]
    public void Endpoint_IsDerivedFromTheUpstreamUrl_AsGitLfsSpecifies(string upstream, string endpoint)
    {
        Assert.Equal(new Uri(endpoint), LfsEndpoint.Derive(UpstreamUrl.Parse(upstream).Value!.Url));
    }

    [Theory]
    [InlineData("ftp://lfs.example/x", "https:// or http://")]
    [InlineData("ssh://lfs.example/x", "https:// or http://")]
    [InlineData("https://user:pass@lfs.example/x", "credentials")]
    [InlineData("ext::sh -c x", "not allowed")]
    [InlineData("https://lfs.example/a/../b", "..")]
    [InlineData("", "LFS URL")]
    public void ExplicitEndpoint_IsCheckedLikeAnImportUrl(string text, string reason)
    {
        var parsed = LfsEndpoint.ParseExplicit(text);

        Assert.False(parsed.Succeeded);
        Assert.Contains(reason, parsed.Error!.Message);
    }

    private static readonly LfsPointer[] Asked = [new(Oid, 5), new(new string('a', 64), 6)];

    private static Portal.Core.Outcome<BatchAnswer> Parse(string json) => LfsBatchResponse.Parse(Encoding.UTF8.GetBytes(json), Asked);

    private static string Download(string oid, long size, string href = "https://cdn.example/o", string header = "null") =>
        "{\"oid\":\"" + oid + "\",\"size\":" + size + ",\"actions\":{\"download\":{\"href\":\"" + href + "\",\"header\":" + header + ",\"expires_in\":60}}}";

    [Fact]
    public void BatchAnswer_GivesDownloadsWithTheirHeaders_AndFailuresPerObject()
    {
        var failed = "{\"oid\":\"" + new string('a', 64) + "\",\"size\":6,\"error\":{\"code\":404,\"message\":\"Object does not exist\"}}";
        var answer = Parse($$"""{"transfer":"basic","objects":[{{Download(Oid, 5, header: """{"Authorization":"RemoteAuth x"}""")}},{{failed}}],"extra":1}""");

        Assert.True(answer.Succeeded, answer.Error?.Message);
        var download = Assert.Single(answer.Value!.Downloads);
        Assert.Equal(new Uri("https://cdn.example/o"), download.Href);
        Assert.Equal([new("Authorization", "RemoteAuth x")], download.Header);
        Assert.Contains("404 (Object does not exist)", Assert.Single(answer.Value.Failures));
    }

    [Theory]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"objects\":{}}", "no \"objects\"")]
    [InlineData("{\"transfer\":\"ssh\",\"objects\":[]}", "transfer adapter")]
    [InlineData("{\"objects\":[{\"oid\":\"" + "b" + "\",\"size\":1}]}", "did not ask for")]
    [InlineData("{\"objects\":[{\"oid\":\"" + Oid + "\",\"size\":5},{\"oid\":\"" + Oid + "\",\"size\":5}]}", "twice")]
    [InlineData("{\"objects\":[", "not valid JSON")]
    public void MalformedBatchAnswer_IsRefusedWhole(string json, string reason)
    {
        var answer = Parse(json);

        Assert.False(answer.Succeeded);
        Assert.Contains(reason, answer.Error!.Message);
    }

    [Theory]
    [InlineData(6, "https://cdn.example/o", "null", "size other than")]
    [InlineData(5, "file:///etc/passwd", "null", "https or http")]
    [InlineData(5, "/relative/path", "null", "https or http")]
    [InlineData(5, "https://user:pw@cdn.example/o", "null", "without credentials")]
    [InlineData(5, "https://cdn.example/o", "{\"Host\":\"internal\"}", "reserved")]
    [InlineData(5, "https://cdn.example/o", "{\"X-Bad\":\"a\\r\\nInjected: 1\"}", "malformed")]
    [InlineData(5, "https://cdn.example/o", "{\"Bad Name\":\"a\"}", "malformed")]
    [InlineData(5, "https://cdn.example/o", "[\"x\"]", "not a JSON object")]
    public void UnsafeObjectInABatchAnswer_IsRefused_TheRestStands(long size, string href, string header, string reason)
    {
        var answer = Parse($$"""{"objects":[{{Download(Oid, size, href, header)}},{{Download(new string('a', 64), 6)}}]}""");

        Assert.True(answer.Succeeded, answer.Error?.Message);
        Assert.Contains(reason, Assert.Single(answer.Value!.Failures));
        Assert.Equal(new string('a', 64), Assert.Single(answer.Value.Downloads).Pointer.Oid);
    }

    [Fact]
    public void ObjectMissingFromTheAnswer_IsAFailure()
    {
        var answer = Parse($$"""{"objects":[{{Download(Oid, 5)}}]}""");

        Assert.Contains("missing from the LFS server's answer", Assert.Single(answer.Value!.Failures));
    }
}
