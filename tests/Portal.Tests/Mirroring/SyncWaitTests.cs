using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Mirroring;
using Portal.Testing;
using Portal.Web.Api;

namespace Portal.Tests.Mirroring;

/// <summary>
/// <c>?wait=</c> on GET repo and POST sync (issue 17): the response is held until the sync is neither queued nor running,
/// so scripts, the CLI and the bench learn a sync's end without polling; the state it answers with is the committed end.
/// A sync is held in progress by holding its upstream's answer (<see cref="GitHttpServer.BeforeGit"/>).
/// </summary>
public sealed class SyncWaitTests(MirrorPortalFactory portal, GitHttpFixture http) : IClassFixture<MirrorPortalFactory>, IClassFixture<GitHttpFixture>, IDisposable
{
    private readonly TaskCompletionSource upstreamReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource upstreamReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GitHttpServer Server => http.Server;

    [Fact]
    public async Task GetWithWait_WhileASyncIsHeld_IsNotAnswered_UntilTheSyncEnds_ThenShowsItsCommittedEnd()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, imported) = await ImportChangedAsync(api, "wait-get");
        HoldUpstream(name);

        Assert.Equal(HttpStatusCode.Accepted, (await SyncAsync(api, name, "")).StatusCode);
        await upstreamReached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var waiting = api.Client.GetAsync(RepositoryPath(api, name) + "?wait=120");
        await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMilliseconds(500)));

        Assert.False(waiting.IsCompleted, "GET ?wait answered while the sync was still held at the upstream.");
        Assert.Equal("running", MirrorApi.Status(await api.GetAsync(name)));

        upstreamReleased.SetResult();
        using var answered = await waiting;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var ended = await answered.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(MirrorApi.Status(ended) == "succeeded", MirrorApi.LastError(ended));
        Assert.NotEqual(LastSuccessAt(imported), LastSuccessAt(ended));
        var after = await api.GetAsync(name);
        Assert.Equal("succeeded", MirrorApi.Status(after));
        Assert.Equal(LastSuccessAt(ended), LastSuccessAt(after));
    }

    [Fact]
    public async Task PostSyncWithWait_ForAQuickSync_Is200WithTheEndedState_AsAGetRightAfterShowsIt()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, imported) = await ImportChangedAsync(api, "wait-post");

        using var response = await SyncAsync(api, name, "?wait=60");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ended = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"{api.UserName}/{name}", ended.GetProperty("fullName").GetString());
        Assert.True(MirrorApi.Status(ended) == "succeeded", MirrorApi.LastError(ended));
        Assert.NotEqual(LastSuccessAt(imported), LastSuccessAt(ended));
        var after = await api.GetAsync(name);
        Assert.Equal("succeeded", MirrorApi.Status(after));
        Assert.Equal(LastSuccessAt(ended), LastSuccessAt(after));

        // A hosted repository has no sync to wait for: answered as without the wait.
        var hosted = PortalFactoryNames.Next("wait-hosted");
        Assert.Equal(HttpStatusCode.Created, (await api.Client.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = api.UserName, name = hosted })).StatusCode);
        using var held = await api.Client.GetAsync(RepositoryPath(api, hosted) + "?wait=300");
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        Assert.Equal("hosted", (await held.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mode").GetString());
    }

    [Fact]
    public async Task AWaitThatRunsOut_AnswersWithTheSyncStillRunning_202ForPost_200ForGet()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportChangedAsync(api, "wait-timeout");
        HoldUpstream(name);

        using var posted = await SyncAsync(api, name, "?wait=1");

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var pending = await posted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(MirrorApi.Status(pending), new[] { "queued", "running" });
        Assert.Equal($"{api.UserName}/{name}", pending.GetProperty("fullName").GetString());
        using var got = await api.Client.GetAsync(RepositoryPath(api, name) + "?wait=1");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Contains(MirrorApi.Status(await got.Content.ReadFromJsonAsync<JsonElement>()), new[] { "queued", "running" });

        upstreamReleased.SetResult();
        Assert.Equal("succeeded", MirrorApi.Status(await api.WaitForSyncAsync(name)));
    }

    [Fact]
    public async Task AWaitWhoseCallerWentAway_EndsThen_WhileTheSyncStillRuns()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, imported) = await ImportChangedAsync(api, "wait-gone");
        HoldUpstream(name);
        Assert.Equal(HttpStatusCode.Accepted, (await SyncAsync(api, name, "")).StatusCode);
        await upstreamReached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await using var scope = portal.Services.CreateAsyncScope();
        using var caller = new CancellationTokenSource();

        var waiting = scope.ServiceProvider.GetRequiredService<SyncWaiter>().WaitAsync(imported.GetProperty("id").GetInt64(), SyncWaiter.MaxWait, caller.Token);
        await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromMilliseconds(200)));
        Assert.False(waiting.IsCompleted, "The wait ended while the sync was held and its caller was still there.");
        await caller.CancelAsync();

        // Bounded only so that a wait that ignored the cancellation fails here instead of holding the test 300 s.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("running", MirrorApi.Status(await api.GetAsync(name)));
        upstreamReleased.SetResult();
        Assert.Equal("succeeded", MirrorApi.Status(await api.WaitForSyncAsync(name)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("301")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("")]
    public async Task AWaitThatIsNotWholeSecondsFrom1To300_Is400SayingWhatIsAccepted_AndQueuesNothing(string wait)
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (name, _) = await ImportChangedAsync(api, "wait-bad");
        var query = "?wait=" + Uri.EscapeDataString(wait);

        using var got = await api.Client.GetAsync(RepositoryPath(api, name) + query);
        using var posted = await SyncAsync(api, name, query);

        foreach (var refused in new[] { got, posted })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("a whole number from 1 to 300", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        Assert.Equal("succeeded", MirrorApi.Status(await api.GetAsync(name)));
        // Had the refused request queued a sync, this one would be refused as too soon (or as already queued).
        using var accepted = await api.SyncAsync(name);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("succeeded", MirrorApi.Status(await api.WaitForSyncAsync(name)));
    }

    [Fact]
    public async Task ACallerHolding16Waits_HasA17thGetAnsweredAtOnce_AndA17thWaitingSyncRefusedWith429_QueuingNothing_OthersAreNotAffected()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var holds = portal.Services.GetRequiredService<SyncWaitHolds>();
        var (held, _) = await ImportChangedAsync(api, "wait-cap");
        var (idle, _) = await ImportChangedAsync(api, "wait-cap-idle");
        var idleBefore = (await api.GetAsync(idle)).GetProperty("sync").GetProperty("lastAttemptAt").GetString();
        HoldUpstream(held);
        Assert.Equal(HttpStatusCode.Accepted, (await SyncAsync(api, held, "")).StatusCode);
        await upstreamReached.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var waiting = Enumerable.Range(0, SyncWaitHolds.MaxPerCaller).Select(_ => api.Client.GetAsync(RepositoryPath(api, held) + "?wait=120")).ToList();
        // Each of the 16 holds its place before the 17th is sent (not merely "has not answered yet").
        await TwoWayMirroringTests.WaitUntilAsync(() => holds.Holding >= SyncWaitHolds.MaxPerCaller, "the 16 waiting requests to hold their places");
        Assert.Equal(SyncWaitHolds.MaxPerCaller, holds.Holding);
        Assert.DoesNotContain(waiting, w => w.IsCompleted);

        // A 17th GET is not held: it answers at once, as without ?wait= (the CLI and scripts loop on it), with the
        // sync still running.
        using var got = await api.Client.GetAsync(RepositoryPath(api, held) + "?wait=120");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal("running", MirrorApi.Status(await got.Content.ReadFromJsonAsync<JsonElement>()));

        // A 17th waiting sync is refused before anything is queued, with when to try again.
        using var posted = await SyncAsync(api, idle, "?wait=60");
        Assert.Equal(HttpStatusCode.TooManyRequests, posted.StatusCode);
        Assert.Equal("1", posted.Headers.RetryAfter?.ToString());
        var problem = await posted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Too many waiting requests", problem.GetProperty("title").GetString());
        Assert.Contains($"already have {SyncWaitHolds.MaxPerCaller} requests waiting", problem.GetProperty("detail").GetString());
        var idleAfter = await api.GetAsync(idle);
        Assert.Equal(idleBefore, idleAfter.GetProperty("sync").GetProperty("lastAttemptAt").GetString());
        Assert.Single(await api.SyncRunsAsync(idle));

        Assert.Equal("succeeded", MirrorApi.Status(await api.GetAsync(idle)));
        using var other = await MirrorApi.CreateAsync(portal);
        var (theirs, _) = await ImportChangedAsync(other, "wait-cap-other");
        using var theirWait = await SyncAsync(other, theirs, "?wait=60");
        Assert.Equal(HttpStatusCode.OK, theirWait.StatusCode);

        upstreamReleased.SetResult();
        foreach (var answered in await Task.WhenAll(waiting))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            answered.Dispose();
        }

        // The ended waits gave their places back.
        using var again = await SyncAsync(api, idle, "?wait=60");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("succeeded", MirrorApi.Status(await again.Content.ReadFromJsonAsync<JsonElement>()));
    }

    public void Dispose()
    {
        upstreamReleased.TrySetResult();
        Server.BeforeGit = null;
    }

    /// <summary>A mirror imported, then a commit upstream for the next sync to fetch; the clock past the manual-sync limit.</summary>
    private async Task<(string Name, JsonElement Imported)> ImportChangedAsync(MirrorApi api, string prefix)
    {
        var name = PortalFactoryNames.Next(prefix);
        var upstream = MirrorSyncTests.Populate(Server.CreateRepository(name));
        var imported = await api.ImportAsync(name, Server.Url(name));
        Assert.True(MirrorApi.Status(imported) == "succeeded", MirrorApi.LastError(imported));
        upstream.Commit("main");
        upstream.Push();
        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        return (name, imported);
    }

    /// <summary>Every request for this upstream waits, once it arrived, until the test releases it.</summary>
    private void HoldUpstream(string name) =>
        Server.BeforeGit = async request =>
        {
            if (request.Path.Value?.StartsWith($"/{name}.git/", StringComparison.Ordinal) == true)
            {
                upstreamReached.TrySetResult();
                await upstreamReleased.Task;
            }
        };

    private static Task<HttpResponseMessage> SyncAsync(MirrorApi api, string name, string query) =>
        api.Client.PostAsync(RepositoryPath(api, name) + "/sync" + query, null);

    private static string RepositoryPath(MirrorApi api, string name) => $"/api/v1/repos/{api.UserName}/{name}";

    private static string? LastSuccessAt(JsonElement repository) => repository.GetProperty("sync").GetProperty("lastSuccessAt").GetString();
}
