using System.Net;
using Microsoft.Extensions.Options;
using Portal.Outbound;
using Portal.Testing;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mirroring;
using Portal.Tests.Outbound;

namespace Portal.Tests.Hardening;

/// <summary>
/// The one door for outbound HTTP (<see cref="OutboundHttpClientFactory"/>) and Portal:Import:AllowedHosts, against real
/// listeners on 127.0.0.1 and 127.0.0.2 where only 127.0.0.1 is allowed.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class OutboundDoorTests
{
    private static OutboundHttpClientFactory Door(IHostResolver resolver, params string[] allowedHosts) =>
        new(new OutboundAddressPolicy(resolver, new OutboundAddressPolicyTests.Monitor(new ImportOptions { AllowedHosts = [.. allowedHosts] })));

    [Fact]
    public async Task EachConnection_IsCheckedAndPinned_ASecondDnsAnswerIsNeverConnected()
    {
        await using var allowed = await LfsServer.StartAsync();
        var port = new Uri(allowed.BaseUrl).Port;
        await using var trap = await LfsServer.StartAsync("127.0.0.2", port);
        var resolver = new ScriptedResolver();
        resolver.Answer("rebind.portal-test", ["127.0.0.1"], ["127.0.0.2"]);
        using var door = Door(resolver, "127.0.0.1");
        using var client = door.CreateClient();
        var url = $"http://rebind.portal-test:{port}/lfs-objects/{new string('0', 64)}";

        using var first = new HttpRequestMessage(HttpMethod.Get, url);
        first.Headers.ConnectionClose = true;
        var answered = await client.SendAsync(first);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(url));

        Assert.Equal(HttpStatusCode.NotFound, answered.StatusCode);
        Assert.Single(allowed.Requests);
        Assert.Contains("127.0.0.2, an internal address", OutboundHttpClientFactory.RefusalIn(refused)?.Message);
        Assert.Equal(0, trap.ConnectionCount);
        Assert.Equal(2, resolver.Lookups("rebind.portal-test"));
    }

    [Fact]
    public async Task EveryAddressANameResolvesTo_MustPass()
    {
        await using var allowed = await LfsServer.StartAsync();
        var resolver = new ScriptedResolver();
        resolver.Answer("mixed.portal-test", ["127.0.0.1", "127.0.0.2"]);
        using var door = Door(resolver, "127.0.0.1");
        using var client = door.CreateClient();

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://mixed.portal-test:{new Uri(allowed.BaseUrl).Port}/"));

        Assert.NotNull(OutboundHttpClientFactory.RefusalIn(refused));
        Assert.Equal(0, allowed.ConnectionCount);
    }

    [Fact]
    public async Task Redirects_AreHandedToTheCaller_NeverFollowed()
    {
        await using var redirecting = await LfsServer.StartAsync();
        await using var target = await LfsServer.StartAsync();
        redirecting.RedirectDownloadsTo = target.BaseUrl;
        using var door = Door(new ScriptedResolver(), "127.0.0.1");
        using var client = door.CreateClient();

        var response = await client.GetAsync($"{redirecting.BaseUrl}/lfs-objects/{new string('1', 64)}");

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(0, target.ConnectionCount);
    }

    [Fact]
    public async Task ImportFromANeighbourOfAnAllowedAddress_IsRefused_AndTheNeighbourReceivesNothing()
    {
        await using var trap = await LfsServer.StartAsync("127.0.0.2");
        using var portal = new EgressPortalFactory();
        using var api = await MirrorApi.CreateAsync(portal);

        var cloneRefused = await api.CreateRepositoryAsync(PortalFactoryNames.Next("neighbour"), $"{trap.BaseUrl}/team/repo.git");
        var lfsRefused = await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = "http://127.0.0.1:9/team/repo.git", mode = "mirror", owner = api.UserName, name = PortalFactoryNames.Next("lfsneighbour"), lfsUrl = $"{trap.BaseUrl}/lfs" });

        await ProblemAssert.IsProblemAsync(cloneRefused, HttpStatusCode.BadRequest, "127.0.0.2, an internal address");
        await ProblemAssert.IsProblemAsync(lfsRefused, HttpStatusCode.BadRequest, "LFS URL");
        Assert.Equal(0, trap.ConnectionCount);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("http://git.corp.example")]
    [InlineData("*")]
    public void InvalidAllowedHostsEntry_StopsPortalAtStart_NamingIt(string entry)
    {
        using var portal = new InvalidAllowedHostsFactory(entry);

        var refused = Assert.Throws<OptionsValidationException>(() => portal.CreateClient());

        Assert.Contains($"Portal:Import:AllowedHosts:1 = '{entry}'", refused.Message);
    }

    private sealed class InvalidAllowedHostsFactory(string entry) : PortalFactory
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["Portal:Import:AllowedHosts:0"] = "127.0.0.1",
            ["Portal:Import:AllowedHosts:1"] = entry,
        };
    }
}
