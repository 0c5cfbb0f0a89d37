using System.Net;
using System.Text.Json;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Webhooks;

/// <summary>A real git push to a real Portal process is announced to the repository's webhook, signed, with who pushed what.</summary>
public sealed class PushWebhookTests(HostedPortalFixture fixture) : IClassFixture<HostedPortalFixture>
{
    [Fact]
    public async Task APush_IsDeliveredToTheRepositorysWebhook_WithThePusherAndTheRefChanges()
    {
        const string secret = "push-receiver-secret-42";
        await using var receiver = await WebhookReceiver.StartAsync(secret);
        var user = await fixture.CreateUserAsync("pusher");
        var name = await fixture.CreateHostedAsync(user, user.Name);
        using var api = fixture.BasicClient(user.Name, user.Token);
        var created = await api.PostAsJsonAsync($"api/v1/repos/{user.Name}/{name}/webhooks", new { url = receiver.Url, secret, events = new[] { "push" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var work = new WorkingCopy();
        var head = work.Commit();
        var pushed = work.Git("push", "--quiet", fixture.Url(user.Name, name, user), "HEAD:refs/heads/main");
        Assert.True(pushed.ExitCode == 0, pushed.Output);
        var received = Assert.Single(await receiver.WaitForAsync(1));

        Assert.True(received.SignatureValid);
        Assert.Equal("push", received.Event);
        var payload = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(user.Name, payload.GetProperty("actor").GetProperty("userName").GetString());
        Assert.Equal("hosted", payload.GetProperty("repository").GetProperty("mode").GetString());
        var change = Assert.Single(payload.GetProperty("refChanges").EnumerateArray());
        Assert.Equal("refs/heads/main", change.GetProperty("ref").GetString());
        Assert.Equal(JsonValueKind.Null, change.GetProperty("oldSha").ValueKind);
        Assert.Equal(head, change.GetProperty("newSha").GetString());
        Assert.Equal("created", change.GetProperty("kind").GetString());
    }
}
