using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portal.Testing;

namespace Portal.Tests.Mirroring;

/// <summary>A real Portal process killed with SIGKILL in the middle of an import, then started again on the same data.</summary>
public sealed class RestartRecoveryTests(GitHttpFixture http) : IClassFixture<GitHttpFixture>
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Portal:Import:AllowLocalNetwork"] = "true",
        ["Portal:Admin:UserName"] = "crash-admin",
        ["Portal:Admin:Password"] = "crash-admin-pw",
        // A killed process's run is recovered once its lease lapses (by expired lease only, as on several nodes): keep it short.
        ["Portal:Jobs:Lease"] = "00:00:03",
        ["Portal:Jobs:SchedulerPeriod"] = "00:00:01",
    };

    [Fact]
    public async Task PortalKilledMidSync_RecoversOnRestart_AndCompletesTheImport()
    {
        var name = PortalFactoryNames.Next("crash");
        var upstream = http.Server.CreateRepository(name);
        var data = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(data);
        upstream.Commit("main", file: "data.bin", content: data);
        upstream.Tag("v1");
        upstream.Push();
        http.Server.TricklePackDelay = TimeSpan.FromMilliseconds(40);
        var dataDir = Directory.CreateTempSubdirectory("portal-crash-").FullName;
        try
        {
            await using (var first = await PortalProcess.StartAsync(dataDir, Settings))
            {
                using var client = Client(first);
                var created = await client.PostAsJsonAsync("api/v1/repos", new { cloneUrl = http.Server.Url(name), mode = "mirror", owner = "crash-admin", name });
                Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
                await WaitForStatusAsync(client, name, s => s == "running");
                await Task.Delay(500);
                await first.KillAsync();
            }

            http.Server.TricklePackDelay = null;
            // What the killed import left depends on the moment: an init + fetch import leaves its temporary repository,
            // a clone --mirror one may have removed its own folder as it died. Either way the restart must finish the
            // import and leave no temporary repository behind (asserted below).

            await using var second = await PortalProcess.StartAsync(dataDir, Settings);
            using var again = Client(second);
            // Recovery ends the killed run as failed and queues the retry in the same scheduler pass: "failed" may
            // show for that moment, so only the retry's success ends the wait (a failed retry times out with its state).
            var repository = await WaitForStatusAsync(again, name, s => s == "succeeded");

            Assert.True(repository.GetProperty("sync").GetProperty("status").GetString() == "succeeded", repository.GetRawText());
            var path = Path.Combine(dataDir, "repositories", $"{repository.GetProperty("id").GetInt64()}.git");
            Assert.Equal(upstream.Refs, TestGit.Refs(path));
            TestGit.Run(path, "fsck", "--no-progress");
            Assert.Empty(Directory.EnumerateDirectories(Path.Combine(dataDir, "tmp"), "import-*"));
            var runs = await again.GetFromJsonAsync<JsonElement>($"api/v1/repos/crash-admin/{name}/syncs");
            Assert.Contains(runs.EnumerateArray(), r => r.GetProperty("outcome").GetString() == "succeeded");
        }
        finally
        {
            http.Server.TricklePackDelay = null;
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static HttpClient Client(PortalProcess portal)
    {
        var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("crash-admin:crash-admin-pw")));
        return client;
    }

    private static async Task<JsonElement> WaitForStatusAsync(HttpClient client, string name, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var repository = await client.GetFromJsonAsync<JsonElement>($"api/v1/repos/crash-admin/{name}");
            if (done(repository.GetProperty("sync").GetProperty("status").GetString()!))
            {
                return repository;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out; last state: {repository}");
            await Task.Delay(50);
        }
    }
}
