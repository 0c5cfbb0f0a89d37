using System.Text;
using Portal.Core.Mirroring;

namespace Portal.Tests.Webhooks;

/// <summary>The scheme is the most specific signature header present, and a wrong value there is never rescued by another header.</summary>
public sealed class UpstreamWebhookSignatureTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef";
    private const string Body = """{"ref":"refs/heads/main"}""";

    public static TheoryData<string, Dictionary<string, string>, bool> Cases()
    {
        var good = ProviderWebhooks.Hmac256(Secret, Body);
        var bad = ProviderWebhooks.Hmac256("another-secret-another-secret", Body);
        return new TheoryData<string, Dictionary<string, string>, bool>
        {
            { "GitHub, right", new() { ["X-Hub-Signature-256"] = "sha256=" + good }, true },
            { "GitHub, upper-case hex", new() { ["X-Hub-Signature-256"] = "sha256=" + good.ToUpperInvariant() }, true },
            { "GitHub, no prefix", new() { ["X-Hub-Signature-256"] = good }, false },
            { "GitHub, wrong", new() { ["X-Hub-Signature-256"] = "sha256=" + bad }, false },
            { "GitHub, SHA-1 only", new() { ["X-Hub-Signature"] = "sha1=0123456789abcdef0123456789abcdef01234567" }, false },
            { "Gitea, wrong, not rescued by a right X-Hub-Signature-256", new() { ["X-Gitea-Signature"] = bad, ["X-Hub-Signature-256"] = "sha256=" + good }, false },
            { "Gitea, empty (no secret set)", new() { ["X-Gitea-Signature"] = "", ["X-Hub-Signature-256"] = "sha256=" }, false },
            { "Forgejo, wrong, not rescued by a right X-Gitea-Signature", new() { ["X-Forgejo-Signature"] = bad, ["X-Gitea-Signature"] = good }, false },
            { "Forgejo, right", new() { ["X-Forgejo-Signature"] = good, ["X-Gitea-Signature"] = good }, true },
            { "GitLab, right", new() { ["X-Gitlab-Token"] = Secret }, true },
            { "GitLab, a prefix of the secret", new() { ["X-Gitlab-Token"] = Secret[..16] }, false },
            { "GitLab, wrong, not rescued by a right HMAC", new() { ["X-Gitlab-Token"] = "nope", ["X-Hub-Signature-256"] = "sha256=" + good }, false },
            { "Bitbucket, right", new() { ["X-Hub-Signature"] = "sha256=" + good }, true },
            { "Bitbucket, truncated", new() { ["X-Hub-Signature"] = "sha256=" + good[..40] }, false },
            { "nothing", new(), false },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Verify(string name, Dictionary<string, string> headers, bool valid)
    {
        var signature = UpstreamWebhookSignature.Find(h => headers.TryGetValue(h, out var v) ? v : null);

        var verified = signature is not null && await signature.VerifyAsync(Secret, new MemoryStream(Encoding.UTF8.GetBytes(Body)), CancellationToken.None);

        Assert.True(valid == verified, name);
    }

    [Theory]
    [InlineData("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256=", UpstreamWebhookEvent.Push)]
    [InlineData("X-GitHub-Event", "ping", "X-Hub-Signature-256", "sha256=", UpstreamWebhookEvent.Ping)]
    [InlineData("X-GitHub-Event", "release", "X-Hub-Signature-256", "sha256=", UpstreamWebhookEvent.Other)]
    [InlineData("X-Gitlab-Event", "Tag Push Hook", "X-Gitlab-Token", "t", UpstreamWebhookEvent.Push)]
    [InlineData("X-Gitlab-Event", "Merge Request Hook", "X-Gitlab-Token", "t", UpstreamWebhookEvent.Other)]
    [InlineData("X-Gitea-Event", "delete", "X-Gitea-Signature", "s", UpstreamWebhookEvent.Push)]
    [InlineData("X-Forgejo-Event", "create", "X-Forgejo-Signature", "s", UpstreamWebhookEvent.Push)]
    [InlineData("X-Event-Key", "repo:push", "X-Hub-Signature", "sha256=", UpstreamWebhookEvent.Push)]
    [InlineData("X-Event-Key", "repo:refs_changed", "X-Hub-Signature", "sha256=", UpstreamWebhookEvent.Push)]
    [InlineData("X-Event-Key", "diagnostics:ping", "X-Hub-Signature", "sha256=", UpstreamWebhookEvent.Ping)]
    [InlineData("X-Event-Key", "pullrequest:created", "X-Hub-Signature", "sha256=", UpstreamWebhookEvent.Other)]
    public void Events_AreReadFromEachProvidersHeader(string eventHeader, string eventName, string signatureHeader, string signature, UpstreamWebhookEvent expected)
    {
        var headers = new Dictionary<string, string> { [eventHeader] = eventName, [signatureHeader] = signature };

        Assert.Equal(expected, UpstreamWebhookSignature.Find(h => headers.TryGetValue(h, out var v) ? v : null)!.Event);
    }
}
