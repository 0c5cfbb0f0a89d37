using System.Security.Cryptography;
using System.Text;

namespace Portal.Tests.Webhooks;

/// <summary>
/// Upstream webhook requests built the way each provider documents and sends them: GitHub ("Validating webhook
/// deliveries": X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the raw body, and the legacy SHA-1 X-Hub-Signature),
/// GitLab (the secret token itself in X-Gitlab-Token), Gitea (services/webhook/deliver.go: X-Gitea-Signature hex plus the
/// Gogs and GitHub headers, with empty signatures when no secret is set), Forgejo (X-Forgejo-Signature as well as all of
/// Gitea's), Bitbucket Cloud (X-Event-Key repo:push, X-Hub-Signature "sha256=…") and Bitbucket Data Center
/// (repo:refs_changed, diagnostics:ping). A null secret is a webhook configured without one.
/// </summary>
public static class ProviderWebhooks
{
    public static readonly string[] Providers = ["github", "gitlab", "gitea", "forgejo", "bitbucket", "bitbucket-server"];

    /// <summary>A push notification for <paramref name="fullName"/>; signed with <paramref name="secret"/> when given.</summary>
    public static HttpRequestMessage Push(string provider, string url, string? secret, string fullName = "team/app", string after = "1111111111111111111111111111111111111111") =>
        provider switch
        {
            "github" => GitHub(url, "push", secret, $$$"""{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"{{{after}}}","repository":{"full_name":"{{{fullName}}}","clone_url":"https://github.com/{{{fullName}}}.git"},"pusher":{"name":"octocat"},"commits":[{"id":"{{{after}}}","message":"Update"}]}"""),
            "gitlab" => GitLab(url, "Push Hook", secret, $$$"""{"object_kind":"push","event_name":"push","before":"0000000000000000000000000000000000000000","after":"{{{after}}}","ref":"refs/heads/main","user_username":"jsmith","project":{"path_with_namespace":"{{{fullName}}}","git_http_url":"https://gitlab.example.com/{{{fullName}}}.git"},"commits":[],"total_commits_count":1}"""),
            "gitea" => Gitea(url, "push", secret, PushBody(fullName, after), forgejo: false),
            "forgejo" => Gitea(url, "push", secret, PushBody(fullName, after), forgejo: true),
            "bitbucket" => Bitbucket(url, "repo:push", secret, $$$"""{"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"{{{after}}}"}},"old":null,"created":true}]},"repository":{"full_name":"{{{fullName}}}"},"actor":{"display_name":"Jo"}}""", server: false),
            "bitbucket-server" => Bitbucket(url, "repo:refs_changed", secret, $$$"""{"eventKey":"repo:refs_changed","repository":{"slug":"app","project":{"key":"TEAM"}},"changes":[{"ref":{"id":"refs/heads/main"},"fromHash":"0000000000000000000000000000000000000000","toHash":"{{{after}}}","type":"UPDATE"}]}""", server: true),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
        };

    /// <summary>The provider's own test delivery: GitHub's ping (sent when a webhook is created) or Bitbucket Data Center's diagnostics:ping.</summary>
    public static HttpRequestMessage Ping(string provider, string url, string? secret) => provider switch
    {
        "github" => GitHub(url, "ping", secret, """{"zen":"Keep it logically awesome.","hook_id":1,"hook":{"type":"Repository","events":["push"]}}"""),
        "bitbucket-server" => Bitbucket(url, "diagnostics:ping", secret, """{"test":true}""", server: true),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    public static HttpRequestMessage GitHub(string url, string eventName, string? secret, string body)
    {
        var request = Json(url, body, "GitHub-Hookshot/044aadd");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-GitHub-Hook-ID", "292430182");
        if (secret is not null)
        {
            request.Headers.Add("X-Hub-Signature", "sha1=" + Hex(HMACSHA1.HashData(Key(secret), Bytes(body))));
            request.Headers.Add("X-Hub-Signature-256", "sha256=" + Hmac256(secret, body));
        }

        return request;
    }

    public static HttpRequestMessage GitLab(string url, string eventName, string? secret, string body)
    {
        var request = Json(url, body, "GitLab/17.5.0");
        request.Headers.Add("X-Gitlab-Event", eventName);
        request.Headers.Add("X-Gitlab-Instance", "https://gitlab.example.com");
        request.Headers.Add("X-Gitlab-Webhook-UUID", Guid.NewGuid().ToString());
        request.Headers.Add("X-Gitlab-Event-UUID", Guid.NewGuid().ToString());
        if (secret is not null)
        {
            request.Headers.Add("X-Gitlab-Token", secret);
        }

        return request;
    }

    /// <summary>Gitea sends every header whether or not a secret is set; without one the signatures are empty.</summary>
    public static HttpRequestMessage Gitea(string url, string eventName, string? secret, string body, bool forgejo)
    {
        var request = Json(url, body, "Go-http-client/1.1");
        var delivery = Guid.NewGuid().ToString();
        var sha256 = secret is null ? "" : Hmac256(secret, body);
        var sha1 = secret is null ? "" : Hex(HMACSHA1.HashData(Key(secret), Bytes(body)));
        if (forgejo)
        {
            request.Headers.Add("X-Forgejo-Delivery", delivery);
            request.Headers.Add("X-Forgejo-Event", eventName);
            request.Headers.Add("X-Forgejo-Event-Type", eventName);
            request.Headers.Add("X-Forgejo-Signature", sha256);
        }

        request.Headers.Add("X-Gitea-Delivery", delivery);
        request.Headers.Add("X-Gitea-Event", eventName);
        request.Headers.Add("X-Gitea-Event-Type", eventName);
        request.Headers.Add("X-Gitea-Signature", sha256);
        request.Headers.Add("X-Gogs-Delivery", delivery);
        request.Headers.Add("X-Gogs-Event", eventName);
        request.Headers.Add("X-Gogs-Signature", sha256);
        request.Headers.Add("X-Hub-Signature", "sha1=" + sha1);
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + sha256);
        request.Headers.Add("X-GitHub-Delivery", delivery);
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Event-Type", eventName);
        return request;
    }

    /// <summary>Bitbucket signs only when a secret is set: X-Hub-Signature "sha256=" + hex HMAC-SHA256 (Cloud and Data Center alike).</summary>
    public static HttpRequestMessage Bitbucket(string url, string eventKey, string? secret, string body, bool server)
    {
        var request = Json(url, body, server ? "Atlassian HttpClient 4.2.0" : "Bitbucket-Webhooks/2.0");
        request.Headers.Add("X-Event-Key", eventKey);
        if (server)
        {
            request.Headers.Add("X-Request-Id", Guid.NewGuid().ToString());
        }
        else
        {
            request.Headers.Add("X-Request-UUID", Guid.NewGuid().ToString());
            request.Headers.Add("X-Hook-UUID", Guid.NewGuid().ToString());
            request.Headers.Add("X-Attempt-Number", "1");
        }

        if (secret is not null)
        {
            request.Headers.Add("X-Hub-Signature", "sha256=" + Hmac256(secret, body));
        }

        return request;
    }

    private static string PushBody(string fullName, string after) =>
        $$$"""{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"{{{after}}}","commits":[],"repository":{"full_name":"{{{fullName}}}"},"pusher":{"login":"gitea"}}""";

    private static HttpRequestMessage Json(string url, string body, string userAgent)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return request;
    }

    public static string Hmac256(string secret, string body) => Hex(HMACSHA256.HashData(Key(secret), Bytes(body)));

    private static byte[] Key(string secret) => Encoding.UTF8.GetBytes(secret);

    private static byte[] Bytes(string body) => Encoding.UTF8.GetBytes(body);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
