using System.Text.Json;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Cli;

/// <summary>A real Portal process, a smart-HTTP upstream on 127.0.0.1, and a user with a token, for the CLI.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    public HostedPortalFixture Portal { get; } = new();

    public GitHttpServer Upstream { get; private set; } = default!;

    public GitUser User { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Upstream = await GitHttpServer.StartAsync();
        await Portal.InitializeAsync();
        User = await Portal.CreateUserAsync("cli");
    }

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}

/// <summary>
/// The <c>portal</c> CLI end to end against a real Portal process: a mirror created, waited for, listed, synced and its
/// history read; tokens and webhooks; and the error paths a script relies on (exit codes and messages).
/// </summary>
public sealed class CliTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task AMirror_IsCreatedWaitedForListedSyncedAndItsHistoryRead_ThenDeleted()
    {
        using var cli = new PortalCli();
        var login = await cli.RunWithStdinAsync(fixture.User.Token + "\n", "login", "--url", fixture.Portal.Portal.BaseAddress.ToString(), "--token-stdin");
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains($"as {fixture.User.Name}", login.Stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigFile));
        var name = HostedPortalFixture.Unique("cli");
        var upstream = fixture.Upstream.CreateRepository(name);
        var first = upstream.Commit("main");
        upstream.Push();
        var full = $"{fixture.User.Name}/{name}";

        var created = await cli.RunAsync("repo", "create", "-m", $"--clone-url={fixture.Upstream.Url(name)}", "--public", name);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains($"portal repo wait {full}", created.Stdout);
        var waited = await cli.RunAsync("repo", "wait", full, "--json");
        Assert.True(waited.ExitCode == 0, waited.ToString());
        Assert.Equal("succeeded", JsonDocument.Parse(waited.Stdout).RootElement.GetProperty("sync").GetProperty("status").GetString());

        var listed = await cli.RunAsync("repo", "list", "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var mine = Assert.Single(JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray(), r => r.GetProperty("fullName").GetString() == full);
        Assert.Equal("mirror", mine.GetProperty("mode").GetString());
        Assert.Equal("public", mine.GetProperty("visibility").GetString());
        Assert.Contains(full, (await cli.RunAsync("repo", "list")).Stdout);

        var second = upstream.Commit("main");
        upstream.Push();
        var synced = await cli.RunAsync("repo", "sync", full);
        Assert.True(synced.ExitCode == 0, synced.ToString());
        Assert.Equal(0, (await cli.RunAsync("repo", "wait", full)).ExitCode);
        var history = await cli.RunAsync("repo", "syncs", full, "--json");
        Assert.True(history.ExitCode == 0, history.ToString());
        var runs = JsonDocument.Parse(history.Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        var change = Assert.Single(runs[0].GetProperty("refChanges").EnumerateArray());
        Assert.Equal(first, change.GetProperty("oldSha").GetString());
        Assert.Equal(second, change.GetProperty("newSha").GetString());
        var text = await cli.RunAsync("repo", "syncs", full);
        Assert.Contains($"refs/heads/main {first[..12]}..{second[..12]}", text.Stdout);
        Assert.Contains("sync:     succeeded", (await cli.RunAsync("repo", "show", full)).Stdout);

        var unconfirmed = await cli.RunAsync("repo", "delete", full);
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Stderr);
        Assert.Equal(0, (await cli.RunAsync("repo", "delete", full, "--yes")).ExitCode);
        Assert.Equal(4, (await cli.RunAsync("repo", "show", full)).ExitCode);
    }

    [Fact]
    public async Task SyncWithWait_EndsWithTheSync_OrGivesUpAtItsTimeout_AndWaitIsHeldUntilTheSyncEnds()
    {
        using var cli = LoggedIn();
        var held = await CreateMirrorAsync(cli, "cli-held");
        var quick = await CreateMirrorAsync(cli, "cli-quick");
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Upstream.BeforeGit = async request =>
        {
            if (request.Path.Value?.StartsWith($"/{held.Name}.git/", StringComparison.Ordinal) == true)
            {
                reached.TrySetResult();
                await released.Task;
            }
        };
        try
        {
            var gaveUp = await cli.RunAsync("repo", "sync", held.Full, "--wait", "--timeout", "1");
            Assert.True(gaveUp.ExitCode == 1, gaveUp.ToString());
            Assert.Contains($"The sync of {held.Full} is still", gaveUp.Stderr);
            await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));

            var waiting = cli.RunAsync("repo", "wait", held.Full);
            await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(1)));
            Assert.False(waiting.IsCompleted, "repo wait ended while the sync was held at the upstream.");
            released.SetResult();
            var waited = await waiting;
            Assert.True(waited.ExitCode == 0, waited.ToString());
            Assert.Equal($"{held.Full}: succeeded", waited.Stdout.Trim());
        }
        finally
        {
            released.TrySetResult();
            fixture.Upstream.BeforeGit = null;
        }

        var synced = await cli.RunAsync("repo", "sync", quick.Full, "--wait", "--json");
        Assert.True(synced.ExitCode == 0, synced.ToString());
        Assert.Equal("succeeded", JsonDocument.Parse(synced.Stdout).RootElement.GetProperty("sync").GetProperty("status").GetString());
        var history = await cli.RunAsync("repo", "syncs", quick.Full, "--json");
        Assert.Equal(2, JsonDocument.Parse(history.Stdout).RootElement.GetArrayLength());
    }

    /// <summary>A mirror created and imported through the CLI, with a new upstream commit for its next sync.</summary>
    private async Task<(string Name, string Full)> CreateMirrorAsync(PortalCli cli, string prefix)
    {
        var name = HostedPortalFixture.Unique(prefix);
        var upstream = fixture.Upstream.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        var full = $"{fixture.User.Name}/{name}";
        var created = await cli.RunAsync("repo", "create", "-m", $"--clone-url={fixture.Upstream.Url(name)}", name);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(0, (await cli.RunAsync("repo", "wait", full)).ExitCode);
        upstream.Commit("main");
        upstream.Push();
        return (name, full);
    }

    [Fact]
    public async Task APrivateUpstream_IsMirroredWithTheSecretFromStdin_OrFromTheEnvironment_NeverAnArgument()
    {
        using var cli = LoggedIn();
        var name = HostedPortalFixture.Unique("private");
        var upstream = fixture.Upstream.CreateRepository(name);
        upstream.Commit("main");
        upstream.Push();
        fixture.Upstream.RequiredCredentials = ("bot", "upstream-secret-42");
        try
        {
            var fromStdin = await cli.RunWithStdinAsync("upstream-secret-42\n", "repo", "create", "-m", "--clone-url", fixture.Upstream.Url(name), "--auth-user", "bot", "--auth-secret-stdin", name);
            Assert.True(fromStdin.ExitCode == 0, fromStdin.ToString());
            Assert.Equal(0, (await cli.RunAsync("repo", "wait", $"{fixture.User.Name}/{name}")).ExitCode);

            cli.Environment["PORTAL_AUTH_SECRET"] = "not-the-secret";
            var wrong = await cli.RunAsync("repo", "create", "-m", "--clone-url", fixture.Upstream.Url(name), "--auth-user", "bot", name + "x");
            Assert.True(wrong.ExitCode == 0, wrong.ToString());
            var failed = await cli.RunAsync("repo", "wait", $"{fixture.User.Name}/{name}x");
            Assert.Equal(1, failed.ExitCode);
            Assert.DoesNotContain("not-the-secret", failed.Stdout + failed.Stderr);
            Assert.Equal(2, (await cli.RunAsync("repo", "create", "-m", "--clone-url", fixture.Upstream.Url(name), "--auth-secret", "upstream-secret-42", name + "y")).ExitCode);
        }
        finally
        {
            fixture.Upstream.RequiredCredentials = null;
        }
    }

    [Fact]
    public async Task ATokenIsCreatedWithThePasswordOnStdin_AndWorksFromTheEnvironment()
    {
        using var cli = new PortalCli();
        cli.Environment["PORTAL_URL"] = fixture.Portal.Portal.BaseAddress.ToString();

        var created = await cli.RunWithStdinAsync(fixture.User.Password, "token", "create", "--name", "ci", "--scope", "api", "--user", fixture.User.Name, "--password-stdin");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.DoesNotContain(fixture.User.Password, created.Stdout + created.Stderr);
        cli.Environment["PORTAL_TOKEN"] = created.Stdout;

        var listed = await cli.RunAsync("repo", "list");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var wrongPassword = await cli.RunWithStdinAsync("not-the-password", "token", "create", "--name", "ci", "--user", fixture.User.Name, "--password-stdin");
        Assert.Equal(3, wrongPassword.ExitCode);
    }

    [Fact]
    public async Task AWebhookIsAddedWithTheSecretOnStdin_ListedWithoutIt_AndItsDeliveriesRead()
    {
        const string secret = "cli-receiver-secret-0123";
        await using var receiver = await WebhookReceiver.StartAsync(secret);
        using var cli = LoggedIn();
        var name = await fixture.Portal.CreateHostedAsync(fixture.User, fixture.User.Name);
        var full = $"{fixture.User.Name}/{name}";

        var added = await cli.RunWithStdinAsync(secret, "webhook", "add", full, "--url", receiver.Url, "--event", "push", "--secret-stdin", "--json");
        Assert.True(added.ExitCode == 0, added.ToString());
        var id = JsonDocument.Parse(added.Stdout).RootElement.GetProperty("id").GetInt64();
        var listed = await cli.RunAsync("webhook", "list", full);
        Assert.Contains(receiver.Url, listed.Stdout);
        Assert.DoesNotContain(secret, listed.Stdout);

        using var work = new WorkingCopy();
        work.Commit();
        var pushed = work.Git("push", "--quiet", fixture.Portal.Url(fixture.User.Name, name, fixture.User), "HEAD:refs/heads/main");
        Assert.True(pushed.ExitCode == 0, pushed.Output);
        Assert.True(Assert.Single(await receiver.WaitForAsync(1)).SignatureValid);
        JsonElement delivery = default;
        for (var i = 0; i < 100 && delivery.ValueKind != JsonValueKind.Object; i++)
        {
            var deliveries = JsonDocument.Parse((await cli.RunAsync("webhook", "deliveries", full, id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json")).Stdout).RootElement;
            delivery = deliveries.EnumerateArray().FirstOrDefault(d => d.GetProperty("responseStatus").ValueKind == JsonValueKind.Number);
            await Task.Delay(100);
        }

        Assert.Equal("push", delivery.GetProperty("event").GetString());
        Assert.Equal(200, delivery.GetProperty("responseStatus").GetInt32());
        var noSecret = await cli.RunAsync("webhook", "add", full, "--url", receiver.Url, "--event", "push");
        Assert.Equal(2, noSecret.ExitCode);
        Assert.Contains("--secret-stdin", noSecret.Stderr);
    }

    [Fact]
    public async Task Errors_EndWithTheirExitCodes_AndSayWhatToDo()
    {
        using var cli = new PortalCli();
        var unconfigured = await cli.RunAsync("repo", "list");
        Assert.Equal(2, unconfigured.ExitCode);
        Assert.Contains("PORTAL_URL", unconfigured.Stderr);
        Directory.CreateDirectory(Path.GetDirectoryName(cli.ConfigFile)!);
        await File.WriteAllTextAsync(cli.ConfigFile, "not json");
        var garbled = await cli.RunAsync("repo", "list");
        Assert.Equal(2, garbled.ExitCode);
        Assert.Contains("portal login", garbled.Stderr);

        cli.Environment["PORTAL_URL"] = fixture.Portal.Portal.BaseAddress.ToString();
        cli.Environment["PORTAL_TOKEN"] = "not-a-token";
        var wrongToken = await cli.RunAsync("repo", "list");
        Assert.Equal(3, wrongToken.ExitCode);
        Assert.Contains("401", wrongToken.Stderr);
        Assert.DoesNotContain("not-a-token", wrongToken.Stderr);

        cli.Environment["PORTAL_TOKEN"] = fixture.User.Token;
        var unknown = await cli.RunAsync("repo", "show", $"{fixture.User.Name}/no-such-repository");
        Assert.Equal(4, unknown.ExitCode);
        Assert.Contains("404", unknown.Stderr);
        Assert.Equal("", unknown.Stdout);

        var name = HostedPortalFixture.Unique("refused");
        var refusedUrl = await cli.RunAsync("repo", "create", "-m", "--clone-url", "file:///etc", "--owner", fixture.User.Name, name);
        Assert.Equal(5, refusedUrl.ExitCode);
        Assert.Contains("400", refusedUrl.Stderr);
        Assert.Equal(4, (await cli.RunAsync("repo", "show", $"{fixture.User.Name}/{name}")).ExitCode);

        var notOwnerName = await cli.RunAsync("repo", "show", "just-a-name");
        Assert.Equal(2, notOwnerName.ExitCode);
        Assert.Contains("OWNER/NAME", notOwnerName.Stderr);
        Assert.Equal(2, (await cli.RunAsync("repo", "create", "--clone-url", "https://example.test/x.git", name)).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("repo", "frobnicate")).ExitCode);

        cli.Environment["PORTAL_URL"] = $"http://127.0.0.1:{FreePort.Next()}/";
        var unreachable = await cli.RunAsync("repo", "list");
        Assert.Equal(6, unreachable.ExitCode);
        Assert.Contains("Cannot reach Portal", unreachable.Stderr);
    }

    private PortalCli LoggedIn()
    {
        var cli = new PortalCli();
        cli.Environment["PORTAL_URL"] = fixture.Portal.Portal.BaseAddress.ToString();
        cli.Environment["PORTAL_TOKEN"] = fixture.User.Token;
        return cli;
    }
}
