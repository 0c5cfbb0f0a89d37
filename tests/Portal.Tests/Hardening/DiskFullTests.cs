using System.Net;
using Portal.Testing;

namespace Portal.Tests.Hardening;

/// <summary>
/// A fetch into a data folder that fills up: a small tmpfs mounted for the test (needs root, as CI runs). Portal says
/// the disk is full, keeps what it had, and recovers once there is room.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class DiskFullTests : IAsyncLifetime
{
    private readonly string mount = Directory.CreateTempSubdirectory("portal-tmpfs-").FullName;
    private GitDaemonServer? daemon;
    private PortalProcess? portal;

    public async Task InitializeAsync()
    {
        Assert.True(TestProcess.IsRoot, "Mounting a tmpfs needs root: run the tests as root (CI does).");
        TestProcess.Run("mount", null, ["-t", "tmpfs", "-o", "size=12m", "tmpfs", mount]);
        daemon = new GitDaemonServer();
        portal = await PortalProcess.StartAsync(Path.Combine(mount, "data"), new Dictionary<string, string>
        {
            ["Portal:Admin:UserName"] = "disk-admin",
            ["Portal:Admin:Password"] = "disk-admin-pw",
            ["Portal:Import:AllowLocalNetwork"] = "true",
        });
    }

    [Fact]
    public async Task FullDisk_FailsTheImportWithAClearError_AndLeavesNothingHalfDone()
    {
        var upstream = daemon!.CreateRepository("huge");
        for (var i = 0; i < 3; i++)
        {
            upstream.Commit("main", content: System.Security.Cryptography.RandomNumberGenerator.GetBytes(6 * 1024 * 1024));
        }

        upstream.Push();
        using var client = new HttpClient { BaseAddress = portal!.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("disk-admin:disk-admin-pw")));

        var created = await client.PostAsJsonAsync("api/v1/repos", new { cloneUrl = daemon.Url("huge"), mode = "mirror", owner = "disk-admin", name = "huge" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        System.Text.Json.JsonElement sync = default;
        for (var i = 0; i < 600; i++)
        {
            sync = (await client.GetFromJsonAsync<System.Text.Json.JsonElement>("api/v1/repos/disk-admin/huge")).GetProperty("sync");
            if (sync.GetProperty("status").GetString() is "failed" or "succeeded")
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal("failed", sync.GetProperty("status").GetString());
        Assert.Contains("full", sync.GetProperty("lastError").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(Path.Combine(mount, "data", "repositories", "1.git")));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(mount, "data", "tmp"), "import-*"));
        Assert.True((await client.GetAsync("healthz")).IsSuccessStatusCode);
    }

    public async Task DisposeAsync()
    {
        if (portal is not null)
        {
            await portal.DisposeAsync();
        }

        daemon?.Dispose();
        if (TestProcess.IsRoot)
        {
            TestProcess.Run("umount", null, ["-l", mount], check: false);
        }

        Directory.Delete(mount, recursive: true);
    }
}
