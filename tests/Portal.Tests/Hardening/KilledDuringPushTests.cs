using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Hardening;

/// <summary>Portal killed with SIGKILL while a push streams in: refs untouched, fsck clean, the next push works.</summary>
[Trait("Category", "Hardening")]
public sealed class KilledDuringPushTests
{
    [Fact]
    public async Task PortalKilledMidPush_LosesNothing_AndTheRetriedPushSucceeds()
    {
        var dataDir = Directory.CreateTempSubdirectory("portal-killpush-").FullName;
        var settings = new Dictionary<string, string> { ["Portal:Admin:UserName"] = HostedPortalFixture.AdminName, ["Portal:Admin:Password"] = HostedPortalFixture.AdminPassword };
        using var work = new WorkingCopy();
        try
        {
            string url;
            string before;
            await using (var portal = await PortalProcess.StartAsync(dataDir, settings))
            {
                using var admin = new HttpClient { BaseAddress = portal.BaseAddress };
                admin.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{HostedPortalFixture.AdminName}:{HostedPortalFixture.AdminPassword}")));
                Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = HostedPortalFixture.AdminName, name = "target" })).StatusCode);
                url = $"http://{HostedPortalFixture.AdminName}:{HostedPortalFixture.AdminPassword}@127.0.0.1:{portal.BaseAddress.Port}/{HostedPortalFixture.AdminName}/target.git";
                work.Commit("first.txt");
                TestGit.Run(work.Path, "push", "--quiet", url, "main");
                before = TestGit.Run(null, "ls-remote", url);
                for (var i = 0; i < 3; i++)
                {
                    work.Commit($"big{i}.bin", RandomNumberGenerator.GetBytes(6 * 1024 * 1024));
                }

                // Through a throttling proxy (about 1 MB/s) the 18 MB push is certain to be mid-way when Portal dies.
                using var proxy = new ThrottlingProxy(portal.BaseAddress.Port, 16 * 1024, TimeSpan.FromMilliseconds(15));
                var push = StartPush(work.Path, url.Replace($":{portal.BaseAddress.Port}/", $":{proxy.Port}/", StringComparison.Ordinal));
                await WaitForIncomingDataAsync(dataDir, push);
                await portal.KillAsync();
                push.WaitForExit(30_000);
                Assert.NotEqual(0, push.ExitCode);
            }

            await using var restarted = await PortalProcess.StartAsync(dataDir, settings);
            url = url.Replace(new Uri(url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), restarted.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var bare = Path.Combine(dataDir, "repositories", "1.git");
            Assert.Equal(Refs(before), Refs(TestGit.Run(null, "ls-remote", url)));
            TestGit.Run(bare, "fsck", "--no-progress");

            TestGit.Run(work.Path, "push", "--quiet", url, "main");
            Assert.Equal(work.Head, TestGit.Run(bare, "rev-parse", "refs/heads/main").Trim());
            TestGit.Run(bare, "fsck", "--no-progress");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static string Refs(string lsRemote) => string.Join('\n', lsRemote.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]));

    private static Process StartPush(string workingDirectory, string url)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "push", "--quiet", url, "main" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in TestGit.Environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>Waits until git's receive-pack has started writing the pushed objects into its quarantine.</summary>
    private static async Task WaitForIncomingDataAsync(string dataDir, Process push)
    {
        var objects = Path.Combine(dataDir, "repositories", "1.git", "objects");
        for (var i = 0; i < 3000; i++)
        {
            if (push.HasExited)
            {
                throw new InvalidOperationException($"The push ended (exit {push.ExitCode}) before Portal received any object.");
            }

            if (Directory.EnumerateDirectories(objects, "tmp_objdir-incoming-*").Any(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Any()))
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The push never started writing objects.");
    }
}
