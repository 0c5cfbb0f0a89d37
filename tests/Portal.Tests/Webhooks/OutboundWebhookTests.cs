using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Core.Data;
using Portal.Core.Jobs;
using Portal.Core.Webhooks;
using Portal.Outbound;
using Portal.Testing;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mirroring;

namespace Portal.Tests.Webhooks;

/// <summary>
/// Portal allowed to reach exactly 127.0.0.1 (the test upstream and receivers), with DNS scripted by the tests, the
/// scheduler driven by the tests, and small failure limits.
/// </summary>
public sealed class WebhookPortalFactory : PortalFactory
{
    public ScriptedResolver Resolver { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Portal:Import:AllowedHosts:0"] = "127.0.0.1",
        ["Portal:Jobs:SchedulerPeriod"] = "01:00:00",
        ["Portal:Sync:MaxConsecutiveFailures"] = "2",
        ["Portal:Webhooks:MaxAttempts"] = "3",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IHostResolver>();
        services.AddSingleton<IHostResolver>(Resolver);
    }

    /// <summary>Moves the clock past a retry's backoff and runs a scheduler pass, as the scheduler would later.</summary>
    public async Task RetryDueWorkAsync(TimeSpan after)
    {
        Clock.Advance(after);
        await Services.GetRequiredService<JobScheduler>().RunPassAsync(CancellationToken.None);
    }
}

/// <summary>
/// Outbound webhooks: signed deliveries through the job engine, retried after a failure, refused targets (when saved
/// and when sent), redelivery, organization webhooks, the events, and who may manage them.
/// </summary>
public sealed class OutboundWebhookTests(WebhookPortalFactory portal, GitDaemonServer daemon) : IClassFixture<WebhookPortalFactory>, IClassFixture<GitDaemonServer>
{
    private const string Secret = "receiver-secret-0123456789";

    [Fact]
    public async Task ADelivery_IsSigned_AndRetriedAfterA500_UntilTheReceiverTakesIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, upstream) = await ImportAsync(api);
        var hook = await CreateWebhookAsync(api.Client, Hooks(api, name), receiver.Url, "sync.succeeded");
        receiver.FailFirst = 1;

        var head = upstream.Commit("main");
        upstream.Push();
        await api.SyncAndWaitAsync(name);
        var first = (await receiver.WaitForAsync(1))[0];
        var failed = await WaitForDeliveryAsync(api.Client, Hooks(api, name), hook, "failed");
        Assert.Equal(500, failed.GetProperty("responseStatus").GetInt32());
        Assert.Contains("500", failed.GetProperty("error").GetString());
        Assert.Equal("receiver broke", failed.GetProperty("responseSnippet").GetString());

        await portal.RetryDueWorkAsync(TimeSpan.FromMinutes(2));
        var received = await receiver.WaitForAsync(2);
        var delivered = await WaitForDeliveryAsync(api.Client, Hooks(api, name), hook, "succeeded");

        Assert.All(received, r => Assert.True(r.SignatureValid, r.Signature));
        Assert.Equal(first.Body, received[1].Body);
        Assert.Equal(first.Delivery, received[1].Delivery);
        Assert.Equal("sync.succeeded", received[1].Event);
        Assert.Equal("application/json", received[1].ContentType?.Split(';')[0]);
        var payload = JsonDocument.Parse(received[1].Body).RootElement;
        Assert.Equal("sync.succeeded", payload.GetProperty("event").GetString());
        Assert.Equal($"{api.UserName}/{name}", payload.GetProperty("repository").GetProperty("fullName").GetString());
        Assert.Equal("mirror", payload.GetProperty("repository").GetProperty("mode").GetString());
        Assert.Equal(api.UserName, payload.GetProperty("actor").GetProperty("userName").GetString());
        var change = Assert.Single(payload.GetProperty("refChanges").EnumerateArray());
        Assert.Equal("refs/heads/main", change.GetProperty("ref").GetString());
        Assert.Equal(head, change.GetProperty("newSha").GetString());
        Assert.Equal("updated", change.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("error").ValueKind);
        Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivered.GetProperty("responseStatus").GetInt32());
        Assert.Equal("thanks", delivered.GetProperty("responseSnippet").GetString());
        Assert.Equal(first.Body, delivered.GetProperty("request").GetProperty("body").GetString());
        Assert.Equal(first.Delivery, delivered.GetProperty("guid").GetString());
    }

    [Fact]
    public async Task ASyncEvent_IsSentOnlyOnceTheRunIsRecorded()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, upstream) = await ImportAsync(api);
        await CreateWebhookAsync(api.Client, Hooks(api, name), receiver.Url, "sync.succeeded");
        var head = upstream.Commit("main");
        upstream.Push();

        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(HttpStatusCode.Accepted, (await api.SyncAsync(name)).StatusCode);
        await receiver.WaitForAsync(1);

        // A receiver that asks Portal at once, as CI systems do, finds the run it was told of finished and recorded.
        var repository = await api.GetAsync(name);
        Assert.Equal("succeeded", repository.GetProperty("sync").GetProperty("status").GetString());
        var latest = (await api.SyncRunsAsync(name)).First();
        Assert.Equal("succeeded", latest.GetProperty("outcome").GetString());
        Assert.Contains(latest.GetProperty("refChanges").EnumerateArray(), c => c.GetProperty("newSha").GetString() == head);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data", "internal address")]
    [InlineData("http://10.0.0.5/hooks", "internal address")]
    [InlineData("http://[::1]:8080/hooks", "internal address")]
    [InlineData("http://user:password@127.0.0.1/hooks", "no user name or password")]
    [InlineData("ftp://127.0.0.1/hooks", "http:// or https://")]
    [InlineData("/relative/hooks", "http:// or https://")]
    public async Task AWebhookToARefusedTarget_IsRefusedWhenSaved_AndNothingIsStored(string url, string reason)
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportAsync(api);

        var response = await api.Client.PostAsJsonAsync(Hooks(api, name), new { url, secret = Secret, events = new[] { "push" } });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, reason);
        Assert.Empty((await api.Client.GetFromJsonAsync<JsonElement>(Hooks(api, name))).EnumerateArray());
    }

    [Fact]
    public async Task ADelivery_ToANameThatNowResolvesToAnInternalAddress_IsRefusedWhenSent()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var host = $"{PortalFactoryNames.Next("hooks")}.test";
        portal.Resolver.Answer(host, ["127.0.0.1"], ["10.0.0.7"]);
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, upstream) = await ImportAsync(api);
        var hook = await CreateWebhookAsync(api.Client, Hooks(api, name), $"http://{host}:{receiver.Port}/hooks/portal", "sync.succeeded");

        upstream.Commit("main");
        upstream.Push();
        await api.SyncAndWaitAsync(name);
        var failed = await WaitForDeliveryAsync(api.Client, Hooks(api, name), hook, "failed");

        Assert.Contains("10.0.0.7, an internal address", failed.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("responseStatus").ValueKind);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Redeliver_SendsTheSameBodyAgain_AsANewDelivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportAsync(api);
        var hook = await CreateWebhookAsync(api.Client, Hooks(api, name), receiver.Url, "sync.succeeded");
        await api.SyncAndWaitAsync(name);
        var original = await WaitForDeliveryAsync(api.Client, Hooks(api, name), hook, "succeeded");

        var redelivered = await api.Client.PostAsync($"{Hooks(api, name)}/{hook}/deliveries/{original.GetProperty("id").GetInt64()}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
        var received = await receiver.WaitForAsync(2);

        Assert.Equal(received[0].Body, received[1].Body);
        Assert.NotEqual(received[0].Delivery, received[1].Delivery);
        Assert.True(received[1].SignatureValid);
        var deliveries = await DeliveriesAsync(api.Client, Hooks(api, name), hook);
        Assert.Equal(2, deliveries.Length);
        Assert.Equal(original.GetProperty("id").GetInt64(), deliveries[0].GetProperty("redeliveryOf").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.PostAsync($"{Hooks(api, name)}/{hook}/deliveries/999999/redeliver", null)).StatusCode);
    }

    [Fact]
    public async Task AnOrganizationWebhook_HearsItsRepositoriesCreatedSyncedAndDeleted()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        using var api = await MirrorApi.CreateAsync(portal);
        var org = PortalFactoryNames.Next("hookorg");
        Assert.Equal(HttpStatusCode.Created, (await api.Client.PostAsJsonAsync("/api/v1/orgs", new { name = org })).StatusCode);
        await CreateWebhookAsync(api.Client, $"/api/v1/orgs/{org}/webhooks", receiver.Url, "repository.created", "repository.deleted", "sync.succeeded");
        var name = PortalFactoryNames.Next("orgrepo");
        var upstream = daemon.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        Assert.Equal(HttpStatusCode.Accepted, (await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = daemon.Url(name), mode = "mirror", owner = org, name })).StatusCode);
        var ownHook = await CreateWebhookAsync(api.Client, $"/api/v1/repos/{org}/{name}/webhooks", receiver.Url, "repository.deleted");

        await receiver.WaitForAsync(2);
        await WaitForSyncAsync(api.Client, $"/api/v1/repos/{org}/{name}");
        Assert.Equal(HttpStatusCode.NoContent, (await api.Client.DeleteAsync($"/api/v1/repos/{org}/{name}")).StatusCode);
        var received = await receiver.WaitForAsync(3);

        Assert.Equal(["repository.created", "repository.deleted", "sync.succeeded"], received.Select(r => r.Event).Order(StringComparer.Ordinal));
        var deleted = JsonDocument.Parse(received.Single(r => r.Event == "repository.deleted").Body).RootElement;
        Assert.Equal($"{org}/{name}", deleted.GetProperty("repository").GetProperty("fullName").GetString());
        Assert.Equal(api.UserName, deleted.GetProperty("actor").GetProperty("userName").GetString());
        var imported = JsonDocument.Parse(received.Single(r => r.Event == "sync.succeeded").Body).RootElement;
        Assert.Equal("refs/heads/main", Assert.Single(imported.GetProperty("refChanges").EnumerateArray()).GetProperty("ref").GetString());
        await using var scope = portal.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<PortalDbContext>().WebhookSubscriptions.AnyAsync(s => s.Id == ownHook));
    }

    [Fact]
    public async Task FailingSyncs_AreAnnounced_AsFailed_ThenHardFailed()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        using var api = await MirrorApi.CreateAsync(portal);
        var org = PortalFactoryNames.Next("failorg");
        Assert.Equal(HttpStatusCode.Created, (await api.Client.PostAsJsonAsync("/api/v1/orgs", new { name = org })).StatusCode);
        await CreateWebhookAsync(api.Client, $"/api/v1/orgs/{org}/webhooks", receiver.Url, "sync.failed", "sync.hard_failed");
        var name = PortalFactoryNames.Next("missing");

        Assert.Equal(HttpStatusCode.Accepted, (await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = daemon.Url(name), mode = "mirror", owner = org, name })).StatusCode);
        await receiver.WaitForAsync(1);
        // The event is published as the run ends, just before the engine records the run: wait for the record.
        await WaitForSyncAsync(api.Client, $"/api/v1/repos/{org}/{name}");
        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(HttpStatusCode.Accepted, (await api.Client.PostAsync($"/api/v1/repos/{org}/{name}/sync", null)).StatusCode);
        var received = await receiver.WaitForAsync(2);

        Assert.Equal(["sync.failed", "sync.hard_failed"], received.Select(r => r.Event));
        var hardFailed = JsonDocument.Parse(received[1].Body).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(hardFailed.GetProperty("error").GetString()));
        Assert.Empty(hardFailed.GetProperty("refChanges").EnumerateArray());
        await WaitForSyncAsync(api.Client, $"/api/v1/repos/{org}/{name}");
        Assert.Equal("hard_failed", (await api.Client.GetFromJsonAsync<JsonElement>($"/api/v1/repos/{org}/{name}")).GetProperty("sync").GetProperty("status").GetString());
    }

    [Fact]
    public async Task PushMirrorFailures_ArePublishedThroughTheEventPublisher()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportAsync(api);
        await CreateWebhookAsync(api.Client, Hooks(api, name), receiver.Url, "push_mirror.failed");
        var id = (await api.GetAsync(name)).GetProperty("id").GetInt64();

        await portal.Services.GetRequiredService<WebhookEventPublisher>().PushMirrorFailedAsync(id, 7, "https://backup.example/app.git", "The push was rejected: non-fast-forward.");
        var received = Assert.Single(await receiver.WaitForAsync(1));

        var payload = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("push_mirror.failed", payload.GetProperty("event").GetString());
        Assert.Equal(7, payload.GetProperty("pushMirror").GetProperty("id").GetInt64());
        Assert.Equal("https://backup.example/app.git", payload.GetProperty("pushMirror").GetProperty("url").GetString());
        Assert.Equal("The push was rejected: non-fast-forward.", payload.GetProperty("error").GetString());
    }

    [Fact]
    public async Task OnlyMaintainersManageWebhooks_SecretsAreNeverShown_AndBadInputChangesNothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportAsync(api);
        var hooks = Hooks(api, name);
        var hook = await CreateWebhookAsync(api.Client, hooks, receiver.Url, "push");

        var listed = await api.Client.GetStringAsync(hooks);
        Assert.DoesNotContain(Secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await api.Client.GetStringAsync($"{hooks}/{hook}"), StringComparison.Ordinal);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().WebhookSubscriptions.SingleAsync(s => s.Id == hook);
            Assert.DoesNotContain(Secret, stored.ProtectedSecret, StringComparison.Ordinal);
        }

        await ProblemAssert.IsProblemAsync(await api.Client.PostAsJsonAsync(hooks, new { url = receiver.Url, secret = Secret, events = new[] { "pushed" } }), HttpStatusCode.BadRequest, "Unknown event 'pushed'");
        await ProblemAssert.IsProblemAsync(await api.Client.PostAsJsonAsync(hooks, new { url = receiver.Url, secret = "short", events = new[] { "push" } }), HttpStatusCode.BadRequest, "secret of 16");
        await ProblemAssert.IsProblemAsync(await api.Client.PostAsJsonAsync(hooks, new { url = receiver.Url, secret = Secret, events = Array.Empty<string>() }), HttpStatusCode.BadRequest, "at least one event");
        await ProblemAssert.IsProblemAsync(await api.Client.PostAsJsonAsync(hooks, new { url = receiver.Url, secret = Secret, events = new[] { "push" }, contentType = "form" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await api.Client.PatchAsJsonAsync($"{hooks}/{hook}", new { url = "http://10.1.2.3/x", active = false }), HttpStatusCode.BadRequest, "internal address");
        var unchanged = await api.Client.GetFromJsonAsync<JsonElement>($"{hooks}/{hook}");
        Assert.True(unchanged.GetProperty("active").GetBoolean());
        Assert.Equal(receiver.Url, unchanged.GetProperty("url").GetString());
        Assert.Single((await api.Client.GetFromJsonAsync<JsonElement>(hooks)).EnumerateArray());

        var (reader, readerPassword) = await portal.CreateUserAsync("reader");
        using var readerClient = portal.BearerClient(await portal.CreateTokenAsync(reader, readerPassword));
        Assert.Equal(HttpStatusCode.NotFound, (await readerClient.GetAsync(hooks)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Client.PatchAsJsonAsync($"/api/v1/repos/{api.UserName}/{name}", new { visibility = "public" })).StatusCode);
        await ProblemAssert.IsProblemAsync(await readerClient.GetAsync(hooks), HttpStatusCode.Forbidden, "can manage its webhooks");
        await ProblemAssert.IsProblemAsync(await readerClient.PostAsJsonAsync(hooks, new { url = receiver.Url, secret = Secret, events = new[] { "push" } }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await readerClient.DeleteAsync($"{hooks}/{hook}"), HttpStatusCode.Forbidden);

        var org = PortalFactoryNames.Next("permorg");
        Assert.Equal(HttpStatusCode.Created, (await api.Client.PostAsJsonAsync("/api/v1/orgs", new { name = org })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await readerClient.GetAsync($"/api/v1/orgs/{org}/webhooks")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Client.PutAsJsonAsync($"/api/v1/orgs/{org}/members/{reader}", new { role = "developer" })).StatusCode);
        await ProblemAssert.IsProblemAsync(await readerClient.GetAsync($"/api/v1/orgs/{org}/webhooks"), HttpStatusCode.Forbidden, "owners and maintainers");

        Assert.Equal(HttpStatusCode.OK, (await api.Client.PatchAsJsonAsync($"{hooks}/{hook}", new { active = false, events = new[] { "sync.succeeded" } })).StatusCode);
        await api.SyncAndWaitAsync(name);
        Assert.Empty(await DeliveriesAsync(api.Client, hooks, hook));
        Assert.Equal(HttpStatusCode.NoContent, (await api.Client.DeleteAsync($"{hooks}/{hook}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"{hooks}/{hook}")).StatusCode);
    }

    private async Task<(string Name, UpstreamRepository Upstream)> ImportAsync(MirrorApi api)
    {
        var name = PortalFactoryNames.Next("evented");
        var upstream = daemon.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        Assert.Equal("succeeded", MirrorApi.Status(await api.ImportAsync(name, daemon.Url(name))));
        return (name, upstream);
    }

    private static async Task WaitForSyncAsync(HttpClient client, string repository)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.GetFromJsonAsync<JsonElement>(repository)).GetProperty("sync").GetProperty("status").GetString() is "queued" or "running")
        {
            Assert.True(DateTime.UtcNow < deadline, $"{repository} is still syncing after 30 s.");
            await Task.Delay(25);
        }
    }

    private static string Hooks(MirrorApi api, string name) => $"/api/v1/repos/{api.UserName}/{name}/webhooks";

    private static async Task<long> CreateWebhookAsync(HttpClient client, string hooks, string url, params string[] events)
    {
        var created = await client.PostAsJsonAsync(hooks, new { url, secret = Secret, events });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(events.Order(StringComparer.Ordinal), body.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
        return body.GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement[]> DeliveriesAsync(HttpClient client, string hooks, long hook) =>
        (await client.GetFromJsonAsync<JsonElement>($"{hooks}/{hook}/deliveries")).EnumerateArray().ToArray();

    /// <summary>Waits until the newest delivery's job reaches <paramref name="status"/>.</summary>
    private static async Task<JsonElement> WaitForDeliveryAsync(HttpClient client, string hooks, long hook, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var deliveries = await DeliveriesAsync(client, hooks, hook);
            if (deliveries.Length > 0 && deliveries[0].GetProperty("status").GetString() == status)
            {
                return deliveries[0];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No delivery of webhook {hook} reached {status}: {string.Join(", ", deliveries.Select(d => d.ToString()))}");
            }

            await Task.Delay(25);
        }
    }
}
