using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

public sealed class TokenApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task CreateToken_WithPassword_ReturnsTokenOnceThatAuthenticatesAsBearer()
    {
        var (user, password) = await portal.CreateUserAsync();
        using var basic = portal.BasicClient(user, password);

        var created = await basic.PostAsJsonAsync("/api/v1/tokens", new { name = "laptop", scopes = new[] { "api", "read" } });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        Assert.StartsWith("portal_", token);
        Assert.Equal(["api", "read"], body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Order());

        using var bearer = portal.BearerClient(token);
        var me = await bearer.GetFromJsonAsync<JsonElement>("/api/v1/user");
        Assert.Equal(user, me.GetProperty("userName").GetString());

        // Listing never shows the secret again, only its recognisable prefix.
        var list = await bearer.GetStringAsync("/api/v1/tokens");
        Assert.DoesNotContain(token, list);
        Assert.Contains(token[..11], list);
    }

    [Fact]
    public async Task Token_IsStoredOnlyAsHash()
    {
        var (user, password) = await portal.CreateUserAsync();
        var token = await portal.CreateTokenAsync(user, password);

        var database = await File.ReadAllBytesAsync(Path.Combine(portal.DataDir, "portal.db"));
        var wal = Path.Combine(portal.DataDir, "portal.db-wal");
        var walBytes = File.Exists(wal) ? await File.ReadAllBytesAsync(wal) : [];
        var secret = System.Text.Encoding.UTF8.GetBytes(token);
        Assert.Equal(-1, database.AsSpan().IndexOf(secret));
        Assert.Equal(-1, walBytes.AsSpan().IndexOf(secret));
    }

    [Fact]
    public async Task BasicAuth_WithUsernameAndToken_Authenticates()
    {
        var (user, password) = await portal.CreateUserAsync();
        var token = await portal.CreateTokenAsync(user, password);

        using var client = portal.BasicClient(user, token);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/user");

        Assert.Equal(user, me.GetProperty("userName").GetString());
    }

    [Fact]
    public async Task BasicAuth_WithUsernameAndPassword_Authenticates()
    {
        var (user, password) = await portal.CreateUserAsync();

        using var client = portal.BasicClient(user, password);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/user");

        Assert.Equal(user, me.GetProperty("userName").GetString());
    }

    [Fact]
    public async Task RevokedToken_IsRefusedWith401AndSaysSo()
    {
        var (user, password) = await portal.CreateUserAsync();
        var token = await portal.CreateTokenAsync(user, password);
        using var bearer = portal.BearerClient(token);
        var tokens = await bearer.GetFromJsonAsync<JsonElement>("/api/v1/tokens");
        var id = tokens.EnumerateArray().Single().GetProperty("id").GetInt64();

        var revoke = await bearer.DeleteAsync($"/api/v1/tokens/{id}");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        var after = await bearer.GetAsync("/api/v1/user");
        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized, "revoked");
    }

    [Fact]
    public async Task ExpiredToken_IsRefusedWith401AndSaysSo()
    {
        var (user, password) = await portal.CreateUserAsync();
        using var basic = portal.BasicClient(user, password);
        var created = await basic.PostAsJsonAsync("/api/v1/tokens", new { name = "short", scopes = new[] { "api" }, expiresAt = portal.Clock.GetUtcNow().UtcDateTime.AddDays(1) });
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var bearer = portal.BearerClient(token);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/v1/user")).StatusCode);

        portal.Clock.Advance(TimeSpan.FromDays(2));
        try
        {
            var after = await bearer.GetAsync("/api/v1/user");
            await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized, "expired");
        }
        finally
        {
            portal.Clock.Advance(TimeSpan.FromDays(-2));
        }
    }

    [Theory]
    [InlineData("Bearer", "portal_not-a-real-token")]
    [InlineData("Bearer", "something-else")]
    [InlineData("Digest", "abc")]
    [InlineData("Basic", "!!!not-base64")]
    public async Task UnknownOrMalformedCredentials_Get401WithChallenge(string scheme, string parameter)
    {
        using var client = portal.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"{scheme} {parameter}");

        var response = await client.GetAsync("/api/v1/user");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
    }

    [Fact]
    public async Task WrongPassword_Gets401_AndNoDetailAboutWhichPartWasWrong()
    {
        var (user, _) = await portal.CreateUserAsync();
        using var wrongPassword = portal.BasicClient(user, "not-the-password");
        using var unknownUser = portal.BasicClient("nobody-" + user, "not-the-password");

        var first = await ProblemAssert.IsProblemAsync(await wrongPassword.GetAsync("/api/v1/user"), HttpStatusCode.Unauthorized);
        var second = await ProblemAssert.IsProblemAsync(await unknownUser.GetAsync("/api/v1/user"), HttpStatusCode.Unauthorized);

        Assert.Equal(first.GetProperty("detail").GetString(), second.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task NoCredentials_Gets401ProblemWithBasicChallenge()
    {
        using var client = portal.CreateClient();

        var response = await client.GetAsync("/api/v1/user");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "Basic");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic" && h.Parameter!.Contains("realm=\"Portal\""));
    }

    [Fact]
    public async Task TokenCannotMintAnotherToken()
    {
        var (user, password) = await portal.CreateUserAsync();
        var token = await portal.CreateTokenAsync(user, password);
        using var bearer = portal.BearerClient(token);

        var response = await bearer.PostAsJsonAsync("/api/v1/tokens", new { name = "escalate", scopes = new[] { "api" } });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "password");
    }

    [Fact]
    public async Task ReadOnlyToken_CannotUseApi_AndIsToldWhichScopeIsMissing()
    {
        var (user, password) = await portal.CreateUserAsync();
        var token = await portal.CreateTokenAsync(user, password, "read");
        using var bearer = portal.BearerClient(token);

        var response = await bearer.GetAsync("/api/v1/user");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "'api' scope");
    }

    [Theory]
    [InlineData("", new[] { "api" }, "name")]
    [InlineData("ok", new string[0], "scope")]
    [InlineData("ok", new[] { "admin" }, "Unknown scope 'admin'")]
    public async Task CreateToken_WithBadInput_Is400AndCreatesNothing(string name, string[] scopes, string message)
    {
        var (user, password) = await portal.CreateUserAsync();
        using var basic = portal.BasicClient(user, password);

        var response = await basic.PostAsJsonAsync("/api/v1/tokens", new { name, scopes });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, message);
        var token = await portal.CreateTokenAsync(user, password);
        using var bearer = portal.BearerClient(token);
        Assert.Single((await bearer.GetFromJsonAsync<JsonElement>("/api/v1/tokens")).EnumerateArray());
    }

    [Fact]
    public async Task CreateToken_WithExpiryInThePast_Is400()
    {
        var (user, password) = await portal.CreateUserAsync();
        using var basic = portal.BasicClient(user, password);

        var response = await basic.PostAsJsonAsync("/api/v1/tokens", new { name = "old", scopes = new[] { "read" }, expiresAt = portal.Clock.GetUtcNow().UtcDateTime.AddDays(-1) });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "future");
    }

    [Fact]
    public async Task RevokingAnotherUsersToken_Is404()
    {
        var (alice, alicePassword) = await portal.CreateUserAsync("alice");
        var (bob, bobPassword) = await portal.CreateUserAsync("bob");
        var aliceToken = await portal.CreateTokenAsync(alice, alicePassword);
        using var aliceClient = portal.BearerClient(aliceToken);
        var aliceTokenId = (await aliceClient.GetFromJsonAsync<JsonElement>("/api/v1/tokens")).EnumerateArray().Single().GetProperty("id").GetInt64();
        using var bobClient = portal.BearerClient(await portal.CreateTokenAsync(bob, bobPassword));

        var response = await bobClient.DeleteAsync($"/api/v1/tokens/{aliceTokenId}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await aliceClient.GetAsync("/api/v1/user")).StatusCode);
    }
}
