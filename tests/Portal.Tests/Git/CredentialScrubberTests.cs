using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Tests.Git;

/// <summary>Table of real git outputs (captured from git 2.39 on this machine, and the older forms git used to print).</summary>
public sealed class CredentialScrubberTests
{
    private const string Secret = "hunter2-SECRET";

    [Theory]
    // git < 2.26 printed the URL with its credentials on authentication failure.
    [InlineData("fatal: Authentication failed for 'https://bot:hunter2-SECRET@gitlab.example/org/repo.git/'", "fatal: Authentication failed for 'https://bot:***@gitlab.example/org/repo.git/'")]
    // GIT_TRACE_CURL with GIT_TRACE_REDACT=0, captured here: the header carries base64("bot:hunter2-SECRET").
    [InlineData("10:48:57.921988 http.c:684              => Send header: Authorization: Basic Ym90Omh1bnRlcjItU0VDUkVU", "10:48:57.921988 http.c:684              => Send header: Authorization: Basic ***")]
    // An upstream that echoes the password back in its own message.
    [InlineData("remote: invalid password 'hunter2-SECRET' for user bot", "remote: invalid password '***' for user bot")]
    [InlineData("remote: token hunter2%2DSECRET rejected", "remote: token hunter2%2DSECRET rejected")]
    [InlineData("error: portal_AbCdEf0123456789xyzXYZ leaked", "error: portal_*** leaked")]
    // Captured from git 2.39: nothing secret in it, and it must come through unchanged.
    [InlineData("fatal: unable to access 'https://127.0.0.1:1/org/repo.git/': Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server", "fatal: unable to access 'https://127.0.0.1:1/org/repo.git/': Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server")]
    [InlineData("fatal: repository 'http://127.0.0.1:18081/x.git/' not found", "fatal: repository 'http://127.0.0.1:18081/x.git/' not found")]
    [InlineData("ssh: connect to host 127.0.0.1 port 1: Connection refused\nfatal: Could not read from remote repository.", "ssh: connect to host 127.0.0.1 port 1: Connection refused\nfatal: Could not read from remote repository.")]
    public void Scrub_RedactsSecretsAndKeepsTheRest(string raw, string expected)
    {
        var scrubbed = CredentialScrubber.Scrub(raw, [Secret]);

        Assert.Equal(expected, scrubbed);
        Assert.DoesNotContain(Secret, scrubbed);
    }

    [Fact]
    public void Scrub_RemovesUrlEncodedAndBase64FormsOfTheSecret()
    {
        const string secret = "p@ss word/with:chars";
        var text = $"a {Uri.EscapeDataString(secret)} b {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret))} c {secret}";

        var scrubbed = CredentialScrubber.Scrub(text, [secret]);

        Assert.Equal("a *** b *** c ***", scrubbed);
    }

    [Fact]
    public void ScrubSecrets_MasksTheCommandsOwnSecrets_ButLeavesDataThatOnlyLooksLikeCredentials()
    {
        // Ref listings are parsed, not shown: a branch named like a token stays as it is; the secret itself never shows.
        const string secret = "glpat-RealUpstreamToken99";
        var listing = $"1111111111111111111111111111111111111111\trefs/heads/portal_0123456789abcdefghij\n2222222222222222222222222222222222222222\trefs/heads/{secret}\n";

        var scrubbed = CredentialScrubber.ScrubSecrets(listing, [secret]);

        Assert.Contains("refs/heads/portal_0123456789abcdefghij\n", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, scrubbed, StringComparison.Ordinal);
        Assert.Contains("portal_***", CredentialScrubber.Scrub(listing, [secret]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fatal: Authentication failed for 'https://gitlab.example/org/repo.git/'", "authentication failed")]
    [InlineData("remote: HTTP Basic: Access denied", "authentication failed")]
    [InlineData("git@host: Permission denied (publickey).", "deploy key")]
    [InlineData("fatal: unable to access 'https://127.0.0.1:1/x.git/': Failed to connect to 127.0.0.1 port 1", "could not be reached")]
    [InlineData("fatal: remote error: no such repository: /x.git", "not found")]
    [InlineData("fatal: unable to access 'https://h/x.git/': The requested URL returned error: 302", "redirect")]
    [InlineData("error: unable to write file: No space left on device", "full")]
    [InlineData("fatal: unable to access 'http://h/x.git/': The requested URL returned error: 500", "HTTP 5xx")]
    [InlineData("fatal: unable to access 'http://h:40401/repo404x301.git/': The requested URL returned error: 500", "HTTP 5xx")]
    [InlineData("fatal: unable to access 'http://h/repo500.git/': The requested URL returned error: 404", "not found")]
    public void Explain_AddsWhatToDo(string error, string hint)
    {
        var explained = GitErrorHints.Explain(error);

        Assert.Contains(hint, explained, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(error, explained);
    }
}
