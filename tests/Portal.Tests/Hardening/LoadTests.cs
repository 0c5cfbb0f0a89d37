using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portal.Testing;
using Xunit.Abstractions;

namespace Portal.Tests.Hardening;

/// <summary>
/// 200 mirrors syncing on schedule while 16 clients clone and browse for two minutes, on a real Portal process.
/// Asserts correctness only (no failed request, no failed sync); page times and memory go to the test log.
/// </summary>
[Trait("Category", "Hardening")]
[Trait("Category", "Load")]
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Mirrors = 200;
    private const int Clients = 16;
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task MirrorsSyncOnSchedule_WhileClientsCloneAndBrowse_NothingFails()
    {
        using var daemon = new GitDaemonServer();
        for (var u = 0; u < 4; u++)
        {
            var upstream = daemon.CreateRepository($"up{u}");
            for (var c = 0; c < 20; c++)
            {
                upstream.Commit("main", content: Encoding.UTF8.GetBytes($"upstream {u} commit {c} " + new string('x', 2000)));
            }

            upstream.Push();
        }

        await using var portal = await PortalProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Portal:Admin:UserName"] = "load",
            ["Portal:Admin:Password"] = "load-password",
            ["Portal:Import:AllowLocalNetwork"] = "true",
            ["Portal:Sync:DefaultInterval"] = "00:00:20",
            ["Portal:Sync:MinInterval"] = "00:00:15",
            ["Portal:Jobs:SchedulerPeriod"] = "00:00:02",
            ["Portal:Sync:MaxConcurrent"] = "4",
            ["Portal:AuthFailuresPerMinute"] = "100000",
        });
        using var api = new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("load:load-password")));
        var token = (await (await api.PostAsJsonAsync("api/v1/tokens", new { name = "load", scopes = new[] { "api", "read" } })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        for (var m = 0; m < Mirrors; m++)
        {
            var created = await api.PostAsJsonAsync("api/v1/repos", new { cloneUrl = daemon.Url($"up{m % 4}"), mode = "mirror", owner = "load", name = $"m{m}", visibility = "public" });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        await WaitForAllAsync(api, s => s == "succeeded", TimeSpan.FromMinutes(3));

        var failures = new ConcurrentQueue<string>();
        var pageTimes = new ConcurrentBag<double>();
        var clones = 0;
        long peakRss = 0;
        using var stop = new CancellationTokenSource(Duration);
        using var sampler = new Timer(_ => Interlocked.Exchange(ref peakRss, Math.Max(Interlocked.Read(ref peakRss), portal.ResidentBytes())), null, 0, 200);
        var workers = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = portal.BaseAddress };
            var random = new Random(client);
            while (!stop.IsCancellationRequested)
            {
                var name = $"m{random.Next(Mirrors)}";
                if (client % 2 == 0)
                {
                    var parent = Directory.CreateTempSubdirectory("portal-load-").FullName;
                    var cloned = TestGit.TryRun(parent, "clone", "--quiet", "--bare", new Uri(portal.BaseAddress, $"load/{name}.git").ToString(), "c.git");
                    Directory.Delete(parent, recursive: true);
                    if (cloned.ExitCode != 0)
                    {
                        failures.Enqueue($"clone {name}: {cloned.Output}");
                    }
                    else
                    {
                        Interlocked.Increment(ref clones);
                    }
                }
                else
                {
                    foreach (var page in new[] { $"load/{name}", $"load/{name}?tab=commits", $"load/{name}?tab=files&path=" })
                    {
                        var started = Stopwatch.GetTimestamp();
                        var response = await http.GetAsync(page);
                        pageTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        if (!response.IsSuccessStatusCode)
                        {
                            failures.Enqueue($"GET {page}: {(int)response.StatusCode}");
                        }
                    }
                }
            }
        })).ToList();
        await Task.WhenAll(workers);

        var repositories = (await api.GetFromJsonAsync<JsonElement>("api/v1/repos")).EnumerateArray().ToList();
        var failedSyncs = repositories.Where(r => r.GetProperty("sync").GetProperty("status").GetString() is "failed" or "hard_failed").ToList();
        var scheduled = 0;
        foreach (var repository in repositories.Take(20))
        {
            var runs = await api.GetFromJsonAsync<JsonElement>($"api/v1/repos/load/{repository.GetProperty("name").GetString()}/syncs");
            scheduled += runs.EnumerateArray().Count(r => r.GetProperty("trigger").GetString() == "schedule");
        }

        var sorted = pageTimes.Order().ToList();
        output.WriteLine($"{clones} clones and {sorted.Count} page views in {Duration.TotalMinutes} min; page p50 {sorted[sorted.Count / 2]:0} ms, p95 {sorted[(int)(sorted.Count * 0.95)]:0} ms; Portal peak RSS {Interlocked.Read(ref peakRss) / 1048576} MiB; {scheduled} scheduled syncs across the first 20 mirrors.");
        Assert.Empty(failures);
        Assert.Empty(failedSyncs);
        Assert.Equal(Mirrors, repositories.Count);
        Assert.True(scheduled > 0, "No scheduled sync ran during the load.");
        Assert.True(clones > 0 && sorted.Count > 0);
    }

    private static async Task WaitForAllAsync(HttpClient api, Func<string, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var statuses = (await api.GetFromJsonAsync<JsonElement>("api/v1/repos")).EnumerateArray().Select(r => r.GetProperty("sync").GetProperty("status").GetString()!).ToList();
            if (statuses.Count == Mirrors && statuses.All(done))
            {
                return;
            }

            Assert.DoesNotContain("failed", statuses);
            Assert.True(DateTime.UtcNow < deadline, $"Imports not done: {string.Join(",", statuses.GroupBy(s => s).Select(g => $"{g.Key}={g.Count()}"))}");
            await Task.Delay(500);
        }
    }
}
