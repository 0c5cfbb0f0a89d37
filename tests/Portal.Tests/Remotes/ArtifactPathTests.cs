using Portal.Core.Experiments;

namespace Portal.Tests.Remotes;

/// <summary>Which artifact paths reach the disk: what MLflow's client sends passes, every way out of the store does not.</summary>
public sealed class ArtifactPathTests
{
    [Theory]
    [InlineData("1/0123abcd/artifacts/model.pkl", "1/0123abcd/artifacts/model.pkl")]
    [InlineData("1/0123abcd/artifacts/", "1/0123abcd/artifacts")]
    [InlineData("1/models/m-42/artifacts/MLmodel", "1/models/m-42/artifacts/MLmodel")]
    [InlineData("1/r/artifacts/100%.txt", "1/r/artifacts/100%.txt")]
    [InlineData("1/r/artifacts/..hidden", "1/r/artifacts/..hidden")]
    [InlineData("1/r/artifacts/résumé naïve.txt", "1/r/artifacts/résumé naïve.txt")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void ClientPaths_Pass(string? sent, string expected)
    {
        var parsed = ArtifactPath.Parse(sent);

        Assert.True(parsed.Succeeded, parsed.Error?.Message);
        Assert.Equal(expected, parsed.Value!.Value);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("1/r/artifacts/../../../portal.db")]
    [InlineData("1/r/artifacts/..")]
    [InlineData("1/r/./artifacts")]
    [InlineData("/etc/passwd")]
    [InlineData("1//r")]
    [InlineData("1/r//")]
    [InlineData("1\\..\\..\\portal.db")]
    [InlineData("1/r/..%2F..%2Fportal.db")]
    [InlineData("1/r/%2e%2e/portal.db")]
    [InlineData("1/r/a%5Cb")]
    [InlineData("1/r/a%00b")]
    [InlineData("%2Fetc%2Fpasswd")]
    public void WaysOut_AreRefused_WithAMessageThatSaysWhatIsAllowed(string sent)
    {
        var parsed = ArtifactPath.Parse(sent);

        Assert.False(parsed.Succeeded);
        Assert.Equal(Portal.Core.PortalErrorKind.Invalid, parsed.Error!.Kind);
        Assert.Contains("relative", parsed.Error.Message);
    }

    [Fact]
    public void ControlCharacters_AreRefused_AndNotEchoed()
    {
        foreach (var control in new[] { '\0', '\n', '\r', '\u001b', '\u007f' })
        {
            var parsed = ArtifactPath.Parse($"1/r/a{control}b");

            Assert.False(parsed.Succeeded);
            Assert.DoesNotContain(control, parsed.Error!.Message);
        }
    }

    [Fact]
    public void OverlongNames_AreRefused()
    {
        Assert.False(ArtifactPath.Parse($"1/r/{new string('a', 256)}").Succeeded);
        Assert.True(ArtifactPath.Parse($"1/r/{new string('a', 255)}").Succeeded);
        Assert.False(ArtifactPath.Parse(string.Join('/', Enumerable.Repeat("abcdefghi", 120))).Succeeded);
    }

    [Fact]
    public void Under_StaysBelowTheRoot()
    {
        var path = ArtifactPath.Parse("1/r/artifacts/plots/loss.png").Value!;

        Assert.Equal(Path.Combine("/data/files", "1", "r", "artifacts", "plots", "loss.png"), path.Under("/data/files"));
        Assert.Equal("loss.png", path.Name);
        Assert.Equal("/data/files", ArtifactPath.Root.Under("/data/files"));
    }
}
