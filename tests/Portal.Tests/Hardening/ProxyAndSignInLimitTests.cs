using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portal.Testing;
using Portal.Tests.GitHttp;

namespace Portal.Tests.Hardening;

/// <summary>A real Portal process behind a (pretend) reverse proxy on 127.0.0.2; other loopback addresses play clients and strangers.</summary>
public sealed class ProxyPortalFixture : IAsyncLifetime
{
    public const string Proxy = "127.0.0.2";
    public const string AdminName = "proxy-admin";
    public const string AdminPassword = "proxy-admin-password";

    public PortalProcess Portal { get; private set; } = default!;

    public async Task InitializeAsync() =>
        Portal = await PortalProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Portal:Admin:UserName"] = AdminName,
            ["Portal:Admin:Password"] = AdminPassword,
            ["Portal:KnownProxies:0"] = Proxy,
        });

    public HttpClient Client(string from, string? user = null, string? secret = null) =>
        user is null ? LoopbackClient.From(from, Portal.BaseAddress) : LoopbackClient.From(from, Portal.BaseAddress, user, secret!);

    /// <summary>A user with an api/read/write token, created by the admin from 127.0.0.1.</summary>
    public async Task<GitUser> CreateUserAsync(string prefix)
    {
        var name = HostedPortalFixture.Unique(prefix);
        const string password = "user-password-1";
        using var admin = Client("127.0.0.1", AdminName, AdminPassword);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/admin/users", new { userName = name, email = $"{name}@example.test", password })).StatusCode);
        using var basic = Client("127.0.0.1", name, password);
        var token = await basic.PostAsJsonAsync("api/v1/tokens", new { name = "t", scopes = new[] { "api", "read", "write" } });
        Assert.Equal(HttpStatusCode.Created, token.StatusCode);
        return new GitUser(name, password, (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
    }

    public Task DisposeAsync() => Portal.DisposeAsync().AsTask();
}

/// <summary>
/// Who Portal believes a request comes from: X-Forwarded-* only from the configured proxy, failed sign-ins counted per
/// client (not per proxy, not per user name alone), and a valid token never refused because of someone else's guesses.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class ProxyAndSignInLimitTests(ProxyPortalFixture fixture) : IClassFixture<ProxyPortalFixture>
{
    [Fact]
    public async Task AStrangersBadPasswords_DoNotLockTheUserOutOfTokens_FromElsewhereOrFromTheSameAddress()
    {
        var victim = await fixture.CreateUserAsync("victim");
        using var stranger = fixture.Client("127.0.0.5", victim.Name, "guessed-wrong-1");
        HttpResponseMessage last = default!;
        for (var i = 0; i < 40; i++)
        {
            last = await stranger.GetAsync("api/v1/user");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, last.StatusCode);
        Assert.Contains("Too many failed sign-ins", await last.Content.ReadAsStringAsync());

        // The victim, elsewhere: the token works as the Basic password and as a bearer token, over the API and git.
        using (var basicToken = fixture.Client("127.0.0.6", victim.Name, victim.Token))
        {
            Assert.Equal(HttpStatusCode.OK, (await basicToken.GetAsync("api/v1/user")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await basicToken.GetAsync($"{victim.Name}/none.git/info/refs?service=git-upload-pack")).StatusCode);
        }

        using (var bearer = fixture.Client("127.0.0.6"))
        {
            bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", victim.Token);
            Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("api/v1/user")).StatusCode);
        }

        // Even from the stranger's (blocked) address, say behind the same NAT, a valid token is checked and works.
        using (var sameAddress = fixture.Client("127.0.0.5", victim.Name, victim.Token))
        {
            Assert.Equal(HttpStatusCode.OK, (await sameAddress.GetAsync("api/v1/user")).StatusCode);
        }

        // What a stranger can do, as on GitLab: lock the password for a while (Identity's lockout). Only the password.
        using var password = fixture.Client("127.0.0.6", victim.Name, victim.Password);
        var locked = await password.GetAsync("api/v1/user");
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Contains("locked", await locked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ForwardedHeaders_AreBelieved_FromTheKnownProxyOnly()
    {
        var user = await fixture.CreateUserAsync("fwd");
        using var admin = fixture.Client("127.0.0.1", user.Name, user.Token);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = user.Name, name = "app", visibility = "public" })).StatusCode);

        var viaProxy = await CloneUrlAsync(ProxyPortalFixture.Proxy, user);
        var viaStranger = await CloneUrlAsync("127.0.0.3", user);

        Assert.Equal($"https://git.example.com/{user.Name}/app.git", viaProxy);
        Assert.Equal($"http://127.0.0.1:{fixture.Portal.BaseAddress.Port}/{user.Name}/app.git", viaStranger);
    }

    [Fact]
    public async Task BehindTheProxy_FailuresCountPerClient_AndForgedForwardedForDoesNotEscapeTheCount()
    {
        var user = await fixture.CreateUserAsync("client");

        // One client behind the proxy guesses (names that do not exist, so no account locks) until it is refused.
        var guesser = await GuessAsync(ProxyPortalFixture.Proxy, "198.51.100.1", rotateForwardedFor: false);
        // A stranger talking to Portal directly forges a new X-Forwarded-For each time: it is counted as itself.
        var forger = await GuessAsync("127.0.0.7", "203.0.113.1", rotateForwardedFor: true);

        Assert.Contains("Too many failed sign-ins", guesser);
        Assert.Contains("Too many failed sign-ins", forger);
        // Another client behind the same proxy signs in with its password: the proxy's address is not what is blocked.
        using var other = fixture.Client(ProxyPortalFixture.Proxy, user.Name, user.Password);
        other.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.2");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("api/v1/user")).StatusCode);
    }

    private async Task<string> GuessAsync(string from, string forwardedFor, bool rotateForwardedFor)
    {
        using var client = fixture.Client(from);
        var body = "";
        for (var i = 0; i < 35; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/user");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"nobody{Guid.NewGuid():N}:wrong-password")));
            request.Headers.Add("X-Forwarded-For", rotateForwardedFor ? $"203.0.113.{i + 1}" : forwardedFor);
            body = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        }

        return body;
    }

    private async Task<string> CloneUrlAsync(string from, GitUser user)
    {
        using var client = fixture.Client(from, user.Name, user.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/repos/{user.Name}/app");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "git.example.com");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cloneUrl").GetString()!;
    }
}

/// <summary>A real Portal process with no proxy configured, but the framework's forwarded-headers step switched on, as container images often do.</summary>
public sealed class ForwardedHeadersEnabledFixture : IAsyncLifetime
{
    public PortalProcess Portal { get; private set; } = default!;

    public async Task InitializeAsync() =>
        Portal = await PortalProcess.StartAsync(settings: new Dictionary<string, string> { ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true" });

    public Task DisposeAsync() => Portal.DisposeAsync().AsTask();
}

[Trait("Category", "Hardening")]
public sealed class ForwardedHeadersEnabledTests(ForwardedHeadersEnabledFixture fixture) : IClassFixture<ForwardedHeadersEnabledFixture>
{
    [Fact]
    public async Task WithoutAKnownProxy_AForgedForwardedFor_StillCountsAsTheSender()
    {
        using var client = LoopbackClient.From("127.0.0.8", fixture.Portal.BaseAddress);
        var body = "";
        for (var i = 0; i < 35; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/user");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"nobody{Guid.NewGuid():N}:wrong-password")));
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            body = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        }

        Assert.Contains("Too many failed sign-ins", body);
    }
}
