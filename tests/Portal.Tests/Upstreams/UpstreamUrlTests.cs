using Portal.Core.Upstreams;


namespace Portal.Tests.Upstreams;

public sealed class UpstreamUrlTests
{
    [Theory]
    [InlineData("https://github.com/org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("  http://Example.COM:8080/a/b  ", "http://example.com:8080/a/b")]
    [InlineData("git://127.0.0.1:9418/proj.git", "git://127.0.0.1:9418/proj.git")]
    [InlineData("ssh://git@host.example:2222/org/repo.git", "ssh://git@host.example:2222/org/repo.git")]
    [InlineData("git+ssh://git@host.example/repo", "ssh://git@host.example/repo")]
    [InlineData("git@github.com:org/repo.git", "ssh://git@github.com/org/repo.git")]
    [InlineData("host.example:/srv/git/repo.git", "ssh://host.example/srv/git/repo.git")]
    [InlineData("https://[2001:db8::1]:8443/repo.git", "https://[2001:db8::1]:8443/repo.git")]
    public void Accepts_AndNormalises(string input, string normalised)
    {
        var parsed = UpstreamUrl.Parse(input);

        Assert.True(parsed.Succeeded, parsed.Error?.Message);
        Assert.Equal(normalised, parsed.Value!.Url.ToString());
    }

    [Fact]
    public void CredentialsInAnHttpsUrl_AreTakenOutOfIt()
    {
        var parsed = UpstreamUrl.Parse("https://bot:s%40cret@gitlab.example/org/repo.git").Value!;

        Assert.Equal("https://gitlab.example/org/repo.git", parsed.Url.ToString());
        Assert.Equal("bot", parsed.EmbeddedUserName);
        Assert.Equal("s@cret", parsed.EmbeddedPassword);
    }

    [Theory]
    [InlineData("ext::sh -c touch% /tmp/pwned", "ext::")]
    [InlineData("ext::sh", "ext::")]
    [InlineData("fd::17", "::")]
    [InlineData("file:///etc", "'file://'")]
    [InlineData("/var/lib/portal/repo.git", "Local paths")]
    [InlineData("./relative", "Local paths")]
    [InlineData("~/repo", "Local paths")]
    [InlineData("--upload-pack=touch /tmp/x", "spaces")]
    [InlineData("--upload-pack=touch", "'-'")]
    [InlineData("ssh://-oProxyCommand=touch%20x/repo", "host")]
    [InlineData("-oProxyCommand=x:repo", "'-'")]
    [InlineData("git://host:9418/%0d%0aINFO", "control characters")]
    [InlineData("https://host/a\nb", "control characters")]
    [InlineData("https://host/../../etc", "'..'")]
    [InlineData("ftp://host/repo", "'ftp://'")]
    [InlineData("https://host:99999/repo", "port")]
    [InlineData("https://ho;st/repo", "Git URL")]
    [InlineData("", "Enter")]
    [InlineData("just-a-word", "Local paths")]
    public void Refuses_WithAReason(string input, string reason)
    {
        var parsed = UpstreamUrl.Parse(input);

        Assert.False(parsed.Succeeded);
        Assert.Contains(reason, parsed.Error!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Refuses_OverLongUrls()
    {
        var parsed = UpstreamUrl.Parse("https://host/" + new string('a', 3000));

        Assert.Contains("2048", parsed.Error!.Message);
    }

    [Theory]
    [InlineData("https://host/org/Project.git", "Project")]
    [InlineData("git@host:org/tool", "tool")]
    [InlineData("https://host/org/repo/", "repo")]
    public void SuggestsTheRepositoryName(string input, string name) =>
        Assert.Equal(name, UpstreamUrl.Parse(input).Value!.Url.SuggestedName());
}
