using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Testing;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mirroring;

namespace Portal.Tests.Webhooks;

/// <summary>Mirrors that a manual "sync now" would limit, with a small inbound body limit to test it.</summary>
public sealed class UpstreamWebhookPortalFactory : MirrorPortalFactory
{
    public const int MaxBodyBytes = 64 * 1024;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Portal:Webhooks:MaxInboundBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// A mirror's upstream webhook: each provider's signed push syncs it at once; unsigned or wrongly signed requests are
/// 401 and queue nothing; pings and other events are answered and queue nothing; bursts coalesce; the manual limit
/// does not apply; the secret is for maintainers only, encrypted at rest and rotatable.
/// </summary>
public sealed class UpstreamWebhookTests(UpstreamWebhookPortalFactory portal, GitHttpFixture http) : IClassFixture<UpstreamWebhookPortalFactory>, IClassFixture<GitHttpFixture>
{
    private readonly GitHttpServer upstream = http.Server;

    public static TheoryData<string> Providers => new(ProviderWebhooks.Providers);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task SignedPush_SyncsTheMirror_WhileUnsignedAndWronglySigned_AreRefusedAndQueueNothing(string provider)
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, repository) = await ImportAsync(api);
        var hook = await UpstreamWebhookAsync(api, name);
        var client = portal.CreateClient();
        var head = repository.Commit("main");
        repository.Push();

        var unsigned = await client.SendAsync(ProviderWebhooks.Push(provider, hook.Url, null));
        await AssertRefusedAsync(unsigned);
        var wrong = await client.SendAsync(ProviderWebhooks.Push(provider, hook.Url, "not-the-secret-" + new string('x', 49)));
        await AssertRefusedAsync(wrong);
        Assert.Equal("succeeded", MirrorApi.Status(await api.GetAsync(name)));
        Assert.Single(await api.SyncRunsAsync(name));

        var signed = await client.SendAsync(ProviderWebhooks.Push(provider, hook.Url, hook.Secret, $"{api.UserName}/{name}", head));
        Assert.True(signed.StatusCode == HttpStatusCode.Accepted, await signed.Content.ReadAsStringAsync());
        Assert.Equal("queued", (await signed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var synced = await api.WaitForSyncAsync(name);

        Assert.Equal("succeeded", MirrorApi.Status(synced));
        Assert.Equal(head, TestGit.Refs(api.RepositoryPath(synced))["refs/heads/main"]);
        var run = (await api.SyncRunsAsync(name))[0];
        Assert.Equal("webhook", run.GetProperty("trigger").GetString());
    }

    [Theory]
    [InlineData("github")]
    [InlineData("bitbucket-server")]
    public async Task Ping_IsAnswered_AndQueuesNothing_ButOnlyWhenSigned(string provider)
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportAsync(api);
        var hook = await UpstreamWebhookAsync(api, name);
        var client = portal.CreateClient();

        await AssertRefusedAsync(await client.SendAsync(ProviderWebhooks.Ping(provider, hook.Url, null)));
        var pong = await client.SendAsync(ProviderWebhooks.Ping(provider, hook.Url, hook.Secret));

        Assert.Equal(HttpStatusCode.OK, pong.StatusCode);
        Assert.Equal("pong", (await pong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("succeeded", MirrorApi.Status(await api.GetAsync(name)));
        Assert.Single(await api.SyncRunsAsync(name));
    }

    [Fact]
    public async Task OtherEvents_AreAcknowledged_AndQueueNothing()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportAsync(api);
        var hook = await UpstreamWebhookAsync(api, name);

        var issue = await portal.CreateClient().SendAsync(ProviderWebhooks.GitHub(hook.Url, "issues", hook.Secret, """{"action":"opened","issue":{"number":1}}"""));
        var note = await portal.CreateClient().SendAsync(ProviderWebhooks.GitLab(hook.Url, "Note Hook", hook.Secret, """{"object_kind":"note"}"""));

        Assert.Equal(HttpStatusCode.OK, issue.StatusCode);
        Assert.Equal("ignored", (await issue.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, note.StatusCode);
        Assert.Equal("succeeded", MirrorApi.Status(await api.GetAsync(name)));
        Assert.Single(await api.SyncRunsAsync(name));
    }

    [Fact]
    public async Task ABurstOfTwentyPushes_MakesAtMostTwoSyncs_AndTheMirrorEndsCurrent()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, repository) = await ImportAsync(api);
        var hook = await UpstreamWebhookAsync(api, name);
        var client = portal.CreateClient();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            // The first push starts a sync, held mid-flight at the upstream while the rest of the burst arrives.
            upstream.Hold = hold.Task;
            repository.Commit("main");
            repository.Push();
            Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(ProviderWebhooks.Push("github", hook.Url, hook.Secret))).StatusCode);
            await WaitUntilAsync(() => upstream.Held > 0);

            var burst = await Task.WhenAll(Enumerable.Range(0, 19).Select(_ => client.SendAsync(ProviderWebhooks.Push("github", hook.Url, hook.Secret))));
            Assert.All(burst, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
            Assert.All(burst, r => Assert.Equal("coalesced", r.Content.ReadFromJsonAsync<JsonElement>().Result.GetProperty("status").GetString()));
        }
        finally
        {
            upstream.Hold = null;
            hold.SetResult();
        }

        await WaitUntilAsync(async () => (await api.SyncRunsAsync(name)).Length == 3 && MirrorApi.Status(await api.GetAsync(name)) == "succeeded");
        var runs = await api.SyncRunsAsync(name);
        Assert.Equal(2, runs.Count(r => r.GetProperty("trigger").GetString() == "webhook"));
        Assert.Equal(repository.Refs, TestGit.Refs(api.RepositoryPath(await api.GetAsync(name))));
    }

    [Fact]
    public async Task APush_RightAfterAManualSync_IsNotHeldBackByTheManualLimit()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, repository) = await ImportAsync(api);
        var hook = await UpstreamWebhookAsync(api, name);
        await api.SyncAndWaitAsync(name);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.SyncAsync(name)).StatusCode);

        var head = repository.Commit("main");
        repository.Push();
        var pushed = await portal.CreateClient().SendAsync(ProviderWebhooks.Push("gitlab", hook.Url, hook.Secret));

        Assert.Equal(HttpStatusCode.Accepted, pushed.StatusCode);
        Assert.Equal(head, TestGit.Refs(api.RepositoryPath(await api.WaitForSyncAsync(name)))["refs/heads/main"]);
        // A webhook is not a person's request: the manual limit still counts from the manual sync, not from the push.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.SyncAsync(name)).StatusCode);
    }

    [Fact]
    public async Task ABodyOverTheLimit_IsRefusedWith413_AndQueuesNothing()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportAsync(api);
        var hook = await UpstreamWebhookAsync(api, name);
        var body = $$"""{"ref":"refs/heads/main","padding":"{{new string('a', UpstreamWebhookPortalFactory.MaxBodyBytes)}}"}""";

        var response = await portal.CreateClient().SendAsync(ProviderWebhooks.GitHub(hook.Url, "push", hook.Secret, body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("succeeded", MirrorApi.Status(await api.GetAsync(name)));
        Assert.Single(await api.SyncRunsAsync(name));
    }

    [Fact]
    public async Task ARepositoryThatDoesNotExist_IsAnsweredLikeAWrongSignature()
    {
        var url = $"http://localhost/nobody/{PortalFactoryNames.Next("none")}/hooks/upstream";

        var response = await portal.CreateClient().SendAsync(ProviderWebhooks.Push("github", url, "some-secret-some-secret"));

        await AssertRefusedAsync(response);
    }

    [Fact]
    public async Task TheSecret_IsForMaintainersOnly_EncryptedAtRest_AndRotating_RetiresTheOldOne()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportAsync(api);
        var hook = await UpstreamWebhookAsync(api, name);
        Assert.Equal($"http://localhost/{api.UserName}/{name}/hooks/upstream", hook.Url);
        Assert.Matches("^[0-9a-f]{64}$", hook.Secret);
        Assert.Equal(hook.Secret, (await UpstreamWebhookAsync(api, name)).Secret);

        var id = (await api.GetAsync(name)).GetProperty("id").GetInt64();
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().UpstreamWebhooks.SingleAsync(w => w.RepositoryId == id);
            Assert.DoesNotContain(hook.Secret, stored.ProtectedSecret, StringComparison.Ordinal);
        }

        // Someone who can read the mirror but does not maintain it is told no; a stranger cannot tell it exists.
        var (reader, readerPassword) = await portal.CreateUserAsync("reader");
        Assert.Equal(HttpStatusCode.OK, (await api.Client.PatchAsJsonAsync($"/api/v1/repos/{api.UserName}/{name}", new { visibility = "public" })).StatusCode);
        using var readerClient = portal.BearerClient(await portal.CreateTokenAsync(reader, readerPassword));
        var refused = await readerClient.GetAsync($"/api/v1/repos/{api.UserName}/{name}/upstream-webhook");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain(hook.Secret, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await readerClient.PostAsync($"/api/v1/repos/{api.UserName}/{name}/upstream-webhook/rotate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Client.PatchAsJsonAsync($"/api/v1/repos/{api.UserName}/{name}", new { visibility = "private" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await readerClient.GetAsync($"/api/v1/repos/{api.UserName}/{name}/upstream-webhook")).StatusCode);

        var rotated = await api.Client.PostAsync($"/api/v1/repos/{api.UserName}/{name}/upstream-webhook/rotate", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newSecret = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        Assert.NotEqual(hook.Secret, newSecret);
        var client = portal.CreateClient();
        await AssertRefusedAsync(await client.SendAsync(ProviderWebhooks.Ping("github", hook.Url, hook.Secret)));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ProviderWebhooks.Ping("github", hook.Url, newSecret))).StatusCode);
        Assert.DoesNotContain(portal.LogLines, line => line.Contains(newSecret, StringComparison.Ordinal) || line.Contains(hook.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHostedRepository_HasNoUpstreamWebhook()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("hosted");
        Assert.Equal(HttpStatusCode.Created, (await api.CreateRepositoryAsync(name, "", mode: "hosted")).StatusCode);

        var response = await api.Client.GetAsync($"/api/v1/repos/{api.UserName}/{name}/upstream-webhook");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "Only mirrors have an upstream webhook");
    }

    private async Task<(string Name, UpstreamRepository Repository)> ImportAsync(MirrorApi api)
    {
        var name = PortalFactoryNames.Next("hooked");
        var repository = upstream.CreateRepository(name);
        repository.Commit("main");
        repository.Push();
        Assert.Equal("succeeded", MirrorApi.Status(await api.ImportAsync(name, upstream.Url(name))));
        return (name, repository);
    }

    private static async Task<(string Url, string Secret)> UpstreamWebhookAsync(MirrorApi api, string name)
    {
        var hook = await api.Client.GetFromJsonAsync<JsonElement>($"/api/v1/repos/{api.UserName}/{name}/upstream-webhook");
        return (hook.GetProperty("url").GetString()!, hook.GetProperty("secret").GetString()!);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("signature is missing or does not match", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not hold within 60 s.");
            }

            await Task.Delay(25);
        }
    }
}
