using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Outbound;
using Portal.Tests.Infrastructure;
using Portal.Tests.Outbound;

namespace Portal.Tests.Mirroring;

/// <summary>Portal with the default network policy, and DNS answers the test controls.</summary>
public sealed class StrictPortalFactory : PortalFactory
{
    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IHostResolver>();
        services.AddSingleton<IHostResolver>(new OutboundAddressPolicyTests.FixedResolver(new()
        {
            ["internal.example"] = ["10.0.0.1"],
            ["rebind.example"] = ["93.184.216.34", "127.0.0.1"],
        }));
    }
}

public sealed class ImportRefusalTests(StrictPortalFactory portal) : IClassFixture<StrictPortalFactory>
{
    [Theory]
    [InlineData("ext::sh -c touch% /tmp/pwned")]
    [InlineData("file:///etc")]
    [InlineData("/var/lib/portal/data")]
    [InlineData("--upload-pack=touch /tmp/x")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://127.0.0.1:22/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("git://host:9418/%0d%0aINFO")]
    [InlineData("https://internal.example/org/repo.git")]
    [InlineData("https://rebind.example/org/repo.git")]
    [InlineData("ssh://-oProxyCommand=touch%20/tmp/x/repo")]
    [InlineData("https://host.example/\u0001repo")]
    public async Task RefusedUrl_Is400WithAReason_AndCreatesNothing(string cloneUrl)
    {
        using var api = await MirrorApi.CreateAsync(portal);

        var response = await api.CreateRepositoryAsync(PortalFactoryNames.Next("refused"), cloneUrl);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        await using var scope = portal.Services.CreateAsyncScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Repositories.CountAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(portal.DataDir, "repositories")));
    }

    [Fact]
    public async Task TestConnection_ToAnInternalAddress_IsRefusedBeforeGitRuns()
    {
        using var api = await MirrorApi.CreateAsync(portal);

        var response = await api.Client.PostAsJsonAsync("/api/v1/repos/test-connection", new { cloneUrl = "https://internal.example/org/repo.git" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "10.0.0.1");
    }

    [Theory]
    [InlineData("mirror", "../x", "letters")]
    [InlineData("mirror", "a/b", "letters")]
    [InlineData("mirror", "repo.git", ".git")]
    [InlineData("teleport", "repo", "mode")]
    public async Task BadNameOrMode_Is400(string mode, string name, string reason)
    {
        using var api = await MirrorApi.CreateAsync(portal);

        var response = await api.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = "https://github.com/org/repo.git", mode, owner = api.UserName, name });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, reason);
    }

    [Fact]
    public async Task CreatingUnderSomeoneElse_Is403()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var (other, _) = await portal.CreateUserAsync("other");

        var response = await api.Client.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = other, name = "x" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, other);
    }

    [Fact]
    public async Task HostedRepository_IsCreatedEmpty_AndItsNameThenTaken()
    {
        using var api = await MirrorApi.CreateAsync(portal);

        var created = await api.Client.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = api.UserName, name = "Fresh" });
        var again = await api.Client.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = api.UserName, name = "fresh" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "already exists");
        var repository = await api.GetAsync("Fresh");
        Assert.Equal("hosted", repository.GetProperty("mode").GetString());
        Assert.Equal("main", repository.GetProperty("defaultBranch").GetString());
        Assert.True(Directory.Exists(api.RepositoryPath(repository)));
        await using var scope = portal.Services.CreateAsyncScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Repositories.CountAsync(r => r.Name == "fresh"));
    }
}
