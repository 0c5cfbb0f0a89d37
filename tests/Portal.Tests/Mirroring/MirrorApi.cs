using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Hosting;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mirroring;

/// <summary>A signed-in API client for mirror tests, and waits on sync state.</summary>
public sealed class MirrorApi(PortalFactory portal, HttpClient client, string userName) : IDisposable
{
    public HttpClient Client { get; } = client;

    public string UserName { get; } = userName;

    public static async Task<MirrorApi> CreateAsync(PortalFactory portal)
    {
        var (user, password) = await portal.CreateUserAsync("mirror");
        return new MirrorApi(portal, portal.BearerClient(await portal.CreateTokenAsync(user, password)), user);
    }

    public Task<HttpResponseMessage> CreateRepositoryAsync(string name, string cloneUrl, string mode = "mirror", object? auth = null, string visibility = "private", string? hostKeys = null) =>
        hostKeys is null
            ? Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl, mode, owner = UserName, name, visibility, description = "test", auth })
            : Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl, mode, owner = UserName, name, visibility, description = "test", auth, hostKeys });

    /// <summary>Creates a mirror (or migration) and waits for its import to settle; asserts the request was accepted.</summary>
    public async Task<JsonElement> ImportAsync(string name, string cloneUrl, string mode = "mirror", object? auth = null)
    {
        var created = await CreateRepositoryAsync(name, cloneUrl, mode, auth);
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
        return await WaitForSyncAsync(name);
    }

    public async Task<JsonElement> GetAsync(string name) =>
        await Client.GetFromJsonAsync<JsonElement>($"/api/v1/repos/{UserName}/{name}");

    public Task<HttpResponseMessage> SyncAsync(string name) => Client.PostAsync($"/api/v1/repos/{UserName}/{name}/sync", null);

    /// <summary>Requests a sync (after moving the clock past the manual-sync limit) and waits for it.</summary>
    public async Task<JsonElement> SyncAndWaitAsync(string name)
    {
        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        var response = await SyncAsync(name);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await WaitForSyncAsync(name);
    }

    public async Task<JsonElement> WaitForSyncAsync(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var repository = await GetAsync(name);
            var status = repository.GetProperty("sync").GetProperty("status").GetString();
            if (status is not ("queued" or "running"))
            {
                return repository;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Sync of {name} still {status} after 60 s.");
            }

            await Task.Delay(50);
        }
    }

    public async Task<JsonElement[]> SyncRunsAsync(string name) =>
        (await Client.GetFromJsonAsync<JsonElement>($"/api/v1/repos/{UserName}/{name}/syncs")).EnumerateArray().ToArray();

    /// <summary>The repository's activity (syncs, pushes, maintenance), newest first.</summary>
    public async Task<JsonElement[]> EventsAsync(string name) =>
        (await Client.GetFromJsonAsync<JsonElement>($"/api/v1/repos/{UserName}/{name}/events")).EnumerateArray().ToArray();

    /// <summary>Waits for the commit-graph follow-up of a sync to be recorded in the activity, and returns its entry.</summary>
    public async Task<JsonElement> WaitForCommitGraphAsync(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var written = (await EventsAsync(name)).FirstOrDefault(e => e.GetProperty("kind").GetString() == "maintenance");
            if (written.ValueKind == JsonValueKind.Object)
            {
                return written;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No commit-graph entry in the activity of {name} after 60 s.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The bare repository Portal keeps for this repository id.</summary>
    public string RepositoryPath(JsonElement repository) =>
        portal.Services.GetRequiredService<DataDirectory>().RepositoryPath(repository.GetProperty("id").GetInt64());

    /// <summary>A sync run's ref changes as ref name → kind ("created", "updated", "forced", "deleted").</summary>
    public static Dictionary<string, string?> RefChangeKinds(JsonElement run) =>
        run.GetProperty("refChanges").EnumerateArray().ToDictionary(c => c.GetProperty("ref").GetString()!, c => c.GetProperty("kind").GetString());

    public static string Status(JsonElement repository) => repository.GetProperty("sync").GetProperty("status").GetString()!;

    public static string? LastError(JsonElement repository) => repository.GetProperty("sync").GetProperty("lastError").GetString();

    public void Dispose() => Client.Dispose();
}
