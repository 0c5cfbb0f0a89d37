using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core;
using Portal.Core.Accounts;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

/// <summary>Users and organizations share one namespace of names, enforced through the API and the account service.</summary>
public sealed class NamespaceTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<HttpClient> NewApiClientAsync()
    {
        var (user, password) = await portal.CreateUserAsync();
        return portal.BearerClient(await portal.CreateTokenAsync(user, password));
    }

    [Theory]
    [InlineData("api", "reserved")]
    [InlineData("admin", "reserved")]
    [InlineData("login", "reserved")]
    [InlineData("_content", "letters")]
    [InlineData("Settings", "reserved")]
    [InlineData("con", "reserved")]
    [InlineData("a-name-that-is-far-too-long-for-portal-names", "at most 39")]
    [InlineData("../x", "letters")]
    [InlineData("a/b", "letters")]
    [InlineData(".git", "letters")]
    [InlineData("team.git", ".git")]
    [InlineData("a..b", "'..'")]
    [InlineData("\u0430dmin", "letters")]
    [InlineData("bad name", "letters")]
    [InlineData("", "Enter a name")]
    public async Task CreateOrganization_WithBadName_Is400WithReason(string name, string reason)
    {
        using var client = await NewApiClientAsync();

        var response = await client.PostAsJsonAsync("/api/v1/orgs", new { name });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, reason);
    }

    [Fact]
    public async Task CreateOrganization_NamedLikeAUser_InAnyCase_Is409()
    {
        var (existing, _) = await portal.CreateUserAsync("taken");
        using var client = await NewApiClientAsync();

        var response = await client.PostAsJsonAsync("/api/v1/orgs", new { name = existing.ToUpperInvariant() });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "already taken");
    }

    [Fact]
    public async Task CreateOrganization_Twice_SecondIs409()
    {
        using var client = await NewApiClientAsync();
        var name = PortalFactory.UniqueName("dup");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/orgs", new { name })).StatusCode);

        var second = await client.PostAsJsonAsync("/api/v1/orgs", new { name = name.ToUpperInvariant() });

        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Conflict, "already taken");
    }

    [Fact]
    public async Task RegisterUser_NamedLikeAnOrganization_IsRefused_AndCreatesNoUser()
    {
        using var client = await NewApiClientAsync();
        var name = PortalFactory.UniqueName("orgname");
        await client.PostAsJsonAsync("/api/v1/orgs", new { name });

        await using var scope = portal.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var registered = await accounts.RegisterAsync(name, $"{name}@example.test", "correct-horse-9");

        Assert.Equal(PortalErrorKind.Conflict, registered.Error?.Kind);
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>();
        Assert.Null(await users.FindByNameAsync(name));
    }

    [Fact]
    public async Task RegisterUser_WithWeakPassword_IsRefused_AndLeavesNameFree()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var name = PortalFactory.UniqueName("weak");

        var weak = await accounts.RegisterAsync(name, $"{name}@example.test", "short");
        var retry = await accounts.RegisterAsync(name, $"{name}@example.test", "long-enough-9");

        Assert.Equal(PortalErrorKind.Invalid, weak.Error?.Kind);
        Assert.Contains("8 characters", weak.Error!.Message);
        Assert.True(retry.Succeeded, retry.Error?.Message);
    }
}
