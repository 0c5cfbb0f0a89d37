using System.Net;
using Portal.Core.Accounts;
using Portal.Web.Components.Account;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hardening;

[Trait("Category", "Hardening")]
public sealed class WebHardeningTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/x", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("", "/")]
    [InlineData("/settings/tokens", "/settings/tokens")]
    [InlineData("/org/repo?tab=files", "/org/repo?tab=files")]
    public void ReturnUrl_OnlyEverLeadsToThisSite(string returnUrl, string expected) =>
        Assert.Equal(expected, IdentityRedirectManager.LocalPathOrHome(returnUrl));

    [Fact]
    public async Task SignOut_WithAForeignReturnUrl_StaysOnThisSite()
    {
        using var client = portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var login = await client.GetStringAsync("/Account/Login");
        var input = System.Text.RegularExpressions.Regex.Match(login, "<input[^>]*__RequestVerificationToken[^>]*>").Value;
        var token = System.Text.RegularExpressions.Regex.Match(input, "value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);

        var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["returnUrl"] = "https://evil.example/", ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignOut_WithoutTheAntiforgeryToken_IsRefused()
    {
        using var client = portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["returnUrl"] = "/" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public void ThousandCharacterNames_AreRefused()
    {
        Assert.False(OwnerNamePolicy.Check(new string('a', 1000)).IsValid);
        Assert.False(Portal.Core.Repositories.RepositoryNamePolicy.Check(new string('a', 1000)).IsValid);
    }

    [Fact]
    public async Task RepositoryDescription_IsRenderedAsText_NotMarkup()
    {
        var (user, password) = await portal.CreateUserAsync("xss");
        using var api = portal.BearerClient(await portal.CreateTokenAsync(user, password));
        await api.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name = "xss", visibility = "public", description = "<script>alert('x')</script><img src=x onerror=alert(1)>" });

        var html = await portal.CreateClient().GetStringAsync($"/{user}/xss");

        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", html);
        Assert.DoesNotContain("<img src=x onerror", html);
    }
}
