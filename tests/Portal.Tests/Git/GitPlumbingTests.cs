using Portal.Git;
using Portal.Core.Mirroring;

namespace Portal.Tests.Git;

public sealed class GitPlumbingTests
{
    [Theory]
    [InlineData("--upload-pack=touch /tmp/x")]
    [InlineData("-oProxyCommand=x")]
    [InlineData("refs/heads/a\nb")]
    [InlineData("a\0b")]
    public void Value_RefusesWhatGitCouldMisread(string value) =>
        Assert.Throws<ArgumentException>(() => GitCommand.Create("fetch").Value(value));

    [Fact]
    public void Secrets_TravelInConfig_NotInArguments()
    {
        var command = GitCommand.Create("fetch").EndOfOptions().Value("https://host/repo.git").WithConfig("http.extraHeader", "Authorization: Basic c2VjcmV0", secret: true);

        Assert.Equal(["fetch", "--end-of-options", "https://host/repo.git"], command.Arguments);
        Assert.DoesNotContain(command.Arguments, a => a.Contains("c2VjcmV0", StringComparison.Ordinal));
        Assert.Contains("Authorization: Basic c2VjcmV0", command.Secrets);
    }

    [Fact]
    public void LsRemote_IsParsed_WithHeadPeeledTagsAndReviewRefsDropped()
    {
        const string output = "ref: refs/heads/main\tHEAD\n" +
                              "1111111111111111111111111111111111111111\tHEAD\n" +
                              "1111111111111111111111111111111111111111\trefs/heads/main\n" +
                              "2222222222222222222222222222222222222222\trefs/tags/v1\n" +
                              "1111111111111111111111111111111111111111\trefs/tags/v1^{}\n" +
                              "3333333333333333333333333333333333333333\trefs/pull/7/head\n" +
                              "4444444444444444444444444444444444444444\trefs/merge-requests/2/head\n" +
                              "5555555555555555555555555555555555555555\trefs/notes/commits\n";

        var snapshot = RefSnapshot.ParseLsRemote(output);

        Assert.Equal("refs/heads/main", snapshot.Head);
        Assert.Equal(["refs/heads/main", "refs/notes/commits", "refs/tags/v1"], snapshot.Refs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("2222222222222222222222222222222222222222", snapshot.Refs["refs/tags/v1"]);
    }

    [Fact]
    public void RefListings_SplitOnNewlinesOnly_SoUnusualRefNamesSurvive()
    {
        // git allows U+2028, U+0085 and form feeds in ref names; only '\n' ends a line of ls-remote or for-each-ref.
        const string odd = "refs/heads/a\u2028b\u0085c\fd";
        var listed = RefSnapshot.ParseLsRemote($"1111111111111111111111111111111111111111\t{odd}\r\n2222222222222222222222222222222222222222\trefs/heads/main\n");
        var local = RefSnapshot.ParseForEachRef($"1111111111111111111111111111111111111111 {odd}\n2222222222222222222222222222222222222222 refs/heads/main", "refs/heads/main");

        Assert.Equal(["refs/heads/a\u2028b\u0085c\fd", "refs/heads/main"], listed.Refs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(listed.Refs.OrderBy(r => r.Key, StringComparer.Ordinal), local.Refs.OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.Equal("refs/heads/main", local.Head);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(9, 1280)]
    [InlineData(10, 1440)]
    [InlineData(14, 1440)]
    [InlineData(40, 1440)]
    public void Backoff_DoublesFromFiveMinutes_CappedAtTheInterval(int failures, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), new SyncOptions().BackoffAfter(failures, TimeSpan.FromHours(24)));

    [Theory]
    [InlineData("Receiving objects:  45% (123/456), 1.2 MiB | 3 MiB/s", "Receiving objects", 45)]
    [InlineData("remote: Counting objects: 100% (5/5), done.", "Counting objects", 100)]
    [InlineData("Resolving deltas:   7% (1/14)", "Resolving deltas", 7)]
    public void Progress_IsParsed(string line, string phase, int percent)
    {
        var progress = SyncProgress.Parse(line);

        Assert.Equal(new SyncProgress(phase, percent), progress);
    }

    [Fact]
    public void Progress_IgnoresOtherLines() => Assert.Null(SyncProgress.Parse("From git://127.0.0.1/x"));
}
