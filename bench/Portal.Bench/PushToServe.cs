using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portal.Bench;

/// <summary>
/// Figure 8: an upstream push, announced by its webhook as GitHub signs it, until Portal serves the new commit to git
/// clients (its smart-HTTP ref advertisement lists it). The clock starts when the push has landed upstream, which is
/// when a provider sends its webhook; the provider's own delay before sending is not Portal's and is not counted.
/// </summary>
public static class PushToServe
{
    public const string Figure = "8. upstream push → Portal serves the new commit (webhook, loopback)";

    private const string Name = "pushed";

    public static async Task MeasureAsync(PortalServer portal, GitDaemon daemon, string upstreams, string work, int samples, Report report)
    {
        var bare = Path.Combine(upstreams, $"{Name}.git");
        var editor = Path.Combine(work, $"{Name}-editor");
        Tool.Run("git", work, "init", "--quiet", "--bare", "--initial-branch=main", bare);
        Tool.Run("git", work, "init", "--quiet", "--initial-branch=main", editor);
        PushCommit(editor, bare, 0);
        await portal.CreateMirrorAsync(Name, daemon.Url(Name));
        await portal.WaitForSuccessAsync(Name, null);
        var hook = await portal.Http.GetFromJsonAsync<JsonElement>($"api/v1/repos/{PortalServer.Admin}/{Name}/upstream-webhook");
        var url = hook.GetProperty("url").GetString()!;
        var secret = hook.GetProperty("secret").GetString()!;

        // The upstream and the git client: no Portal credentials (the mirror is public).
        using var outside = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portal.Port}/") };
        var advertisement = $"{PortalServer.Admin}/{Name}.git/info/refs?service=git-upload-pack";
        var seconds = new List<double>();
        for (var run = 1; run <= samples; run++)
        {
            var sha = PushCommit(editor, bare, run);
            var started = Stopwatch.GetTimestamp();
            using (var notification = GitHubPush(url, secret, sha))
            using (var answer = await outside.SendAsync(notification))
            {
                if (answer.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"The webhook was answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
                }
            }

            while (!(await outside.GetStringAsync(advertisement)).Contains(sha, StringComparison.Ordinal))
            {
                if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(1))
                {
                    throw new TimeoutException($"Portal did not serve {sha} a minute after the webhook.");
                }

                await Task.Delay(5);
            }

            seconds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        var times = new Samples(seconds);
        var p95 = times.Percentile(95);
        report.Value(
            Figure,
            string.Create(CultureInfo.InvariantCulture, $"p50 {times.Median * 1000:0} ms, p95 {p95 * 1000:0} ms, max {times.Max * 1000:0} ms ({samples} pushes)"),
            target: "p95 < 2 s",
            verdict: p95 < 2 ? "met" : "MISSED");
    }

    private static string PushCommit(string editor, string bare, int run)
    {
        Tool.Run("git", editor, "-c", "user.name=Bench", "-c", "user.email=bench@example.test", "commit", "--quiet", "--allow-empty", "-m", $"push {run}");
        Tool.Run("git", editor, "push", "--quiet", bare, "HEAD:refs/heads/main");
        return Tool.Run("git", editor, "rev-parse", "HEAD").Trim();
    }

    /// <summary>GitHub's push notification: X-GitHub-Event push, X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 of the body.</summary>
    private static HttpRequestMessage GitHubPush(string url, string secret, string sha)
    {
        var body = $$$"""{"ref":"refs/heads/main","after":"{{{sha}}}","repository":{"full_name":"bench/{{{Name}}}"}}""";
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))));
        return request;
    }
}
