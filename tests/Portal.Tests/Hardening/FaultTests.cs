using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Portal.Outbound;
using Portal.Testing;
using Portal.Tests.Mirroring;
using Portal.Tests.Outbound;

namespace Portal.Tests.Hardening;

/// <summary>Portal with a short transfer timeout and a name only the test's resolver knows.</summary>
public sealed class FaultPortalFactory : MirrorPortalFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Portal:Git:TransferTimeout"] = "00:00:04",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IHostResolver>();
        services.AddSingleton<IHostResolver>(new OutboundAddressPolicyTests.FixedResolver(new() { ["pinned.portal-test"] = ["127.0.0.1"] }));
    }
}

/// <summary>Faults end with the previous data intact, git fsck clean, the next sync succeeding and no status stuck.</summary>
[Trait("Category", "Hardening")]
public sealed class FaultTests(FaultPortalFactory portal, GitHttpFixture http) : IClassFixture<FaultPortalFactory>, IClassFixture<GitHttpFixture>
{
    [Fact]
    public async Task StalledUpstream_HitsTheTimeout_GitIsKilled_AndTheNextSyncCompletes()
    {
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("stall");
        var upstream = http.Server.CreateRepository(name);
        upstream.Commit();
        upstream.Push();
        var imported = await api.ImportAsync(name, http.Server.Url(name));
        var path = api.RepositoryPath(imported);
        var before = TestGit.Refs(path);
        upstream.Commit("main", content: System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024 * 1024));
        upstream.Push();

        http.Server.TricklePackDelay = TimeSpan.FromSeconds(1);
        JsonElementStatus failed;
        try
        {
            failed = new(await api.SyncAndWaitAsync(name));
        }
        finally
        {
            http.Server.TricklePackDelay = null;
        }

        Assert.Equal("failed", failed.Status);
        Assert.Contains("took too long", failed.Error);
        Assert.Equal(before, TestGit.Refs(path));
        TestGit.Run(path, "fsck", "--no-progress");
        var recovered = new JsonElementStatus(await api.SyncAndWaitAsync(name));
        Assert.Equal("succeeded", recovered.Status);
        Assert.Equal(upstream.Refs, TestGit.Refs(path));
    }

    [Fact]
    public async Task GitIsPinnedToTheCheckedAddress_NotToASecondDnsAnswer()
    {
        // "pinned.portal-test" resolves only through Portal's checked answer: the system resolver knows no such name.
        // A successful import therefore proves git connected to the address Portal checked, not to a fresh lookup.
        using var api = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("pin");
        var upstream = http.Server.CreateRepository(name);
        upstream.Commit();
        upstream.Push();

        var repository = await api.ImportAsync(name, $"http://pinned.portal-test:{http.Server.Port}/{name}.git");

        Assert.Equal("succeeded", new JsonElementStatus(repository).Status);
        Assert.Equal(upstream.Refs, TestGit.Refs(api.RepositoryPath(repository)));
    }

    [Fact]
    public async Task ConcurrentWriters_AllSucceed_UnderSqliteWal()
    {
        var (user, password) = await portal.CreateUserAsync("busy");
        var token = await portal.CreateTokenAsync(user, password);
        using var client = portal.BearerClient(token);

        var writes = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => i % 2 == 0
            ? client.PostAsJsonAsync("/api/v1/orgs", new { name = PortalFactoryNames.Next("wal") })
            : client.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name = PortalFactoryNames.Next("wal") })));

        Assert.All(writes, w => Assert.Equal(HttpStatusCode.Created, w.StatusCode));
    }

    private sealed record JsonElementStatus(string? Status, string? Error)
    {
        public JsonElementStatus(System.Text.Json.JsonElement repository)
            : this(MirrorApi.Status(repository), MirrorApi.LastError(repository))
        {
        }
    }
}
