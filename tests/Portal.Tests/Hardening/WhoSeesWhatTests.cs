using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Accounts;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Core;
using Portal.Outbound;
using Portal.Tests.Mirroring;
using Portal.Tests.Outbound;

namespace Portal.Tests.Hardening;

/// <summary>Mirrors of an "internal" host name (resolved by the test to 127.0.0.1, where nothing listens on port 1).</summary>
public sealed class InternalUpstreamPortalFactory : MirrorPortalFactory
{
    public const string InternalHost = "gitlab.internal";

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IHostResolver>();
        services.AddSingleton<IHostResolver>(new OutboundAddressPolicyTests.FixedResolver(new() { [InternalHost] = ["127.0.0.1"] }));
    }
}

/// <summary>What readers and maintainers see of a public mirror whose upstream lives on an internal host.</summary>
[Trait("Category", "Hardening")]
public sealed class WhoSeesWhatTests(InternalUpstreamPortalFactory portal) : IClassFixture<InternalUpstreamPortalFactory>
{
    private const string UpstreamUrl = $"http://{InternalUpstreamPortalFactory.InternalHost}:1/secret-team/x.git";

    private async Task<(MirrorApi Maintainer, HttpClient Reader, string Name, string ReaderName)> FailedPublicMirrorAsync()
    {
        var maintainer = await MirrorApi.CreateAsync(portal);
        var name = PortalFactoryNames.Next("internal");
        var created = await maintainer.Client.PostAsJsonAsync("/api/v1/repos", new { cloneUrl = UpstreamUrl, mode = "mirror", owner = maintainer.UserName, name, visibility = "public" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var failed = await maintainer.WaitForSyncAsync(name);
        Assert.Equal("failed", MirrorApi.Status(failed));
        var (reader, password) = await portal.CreateUserAsync("reader");
        return (maintainer, portal.BearerClient(await portal.CreateTokenAsync(reader, password)), name, reader);
    }

    private static void AssertNothingOfTheUpstream(string text)
    {
        Assert.DoesNotContain(InternalUpstreamPortalFactory.InternalHost, text);
        Assert.DoesNotContain("127.0.0.1", text);
        Assert.DoesNotContain("secret-team", text);
    }

    [Fact]
    public async Task SyncErrors_AreRedactedForReaders_InTheApi_AndShownInFullToMaintainers()
    {
        var (maintainer, reader, name, _) = await FailedPublicMirrorAsync();
        using var disposeMaintainer = maintainer;
        using var disposeReader = reader;
        var path = $"/api/v1/repos/{maintainer.UserName}/{name}";

        var full = MirrorApi.LastError(await maintainer.GetAsync(name))!;
        var asReader = await reader.GetFromJsonAsync<JsonElement>(path);
        var listed = (await reader.GetFromJsonAsync<JsonElement>("/api/v1/repos")).EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);
        var syncs = await reader.GetStringAsync($"{path}/syncs");
        var events = await reader.GetStringAsync($"{path}/events");

        Assert.Contains(InternalUpstreamPortalFactory.InternalHost, full);
        Assert.Contains("secret-team", full);
        Assert.Equal(UpstreamUrl, (await maintainer.GetAsync(name)).GetProperty("upstreamUrl").GetString());
        var redacted = asReader.GetProperty("sync").GetProperty("lastError").GetString()!;
        Assert.Contains("could not be reached", redacted);
        Assert.Contains(SyncErrorRedactor.UpstreamPlaceholder, redacted);
        AssertNothingOfTheUpstream(redacted);
        Assert.Equal(JsonValueKind.Null, asReader.GetProperty("upstreamUrl").ValueKind);
        AssertNothingOfTheUpstream(listed.ToString());
        AssertNothingOfTheUpstream(syncs);
        AssertNothingOfTheUpstream(events);
        Assert.Contains("could not be reached", syncs);
    }

    [Fact]
    public async Task SyncErrors_OnTheProjectPage_AreRedactedForVisitors()
    {
        var (maintainer, reader, name, _) = await FailedPublicMirrorAsync();
        using var disposeMaintainer = maintainer;
        using var disposeReader = reader;
        using var anonymous = portal.CreateClient();

        // The sync controls (the error is the failure badge's tooltip) and the activity tab's run list.
        var page = await anonymous.GetStringAsync($"/{maintainer.UserName}/{name}?tab=activity");

        Assert.Contains("sync failed", page);
        Assert.Contains("Sync failed (import)", page);
        Assert.Contains("&lt;upstream&gt;", page);
        AssertNothingOfTheUpstream(page);
    }

    [Fact]
    public async Task SyncNow_IsAuthorizedByTheService_WhenItRuns_NotByWhoeverCalledIt()
    {
        var (maintainer, reader, name, readerName) = await FailedPublicMirrorAsync();
        using var disposeMaintainer = maintainer;
        using var disposeReader = reader;
        portal.Clock.Advance(TimeSpan.FromMinutes(10));
        await using var scope = portal.Services.CreateAsyncScope();
        var repository = await scope.ServiceProvider.GetRequiredService<RepositoryAccess>().FindAsync(maintainer.UserName, name);
        var readerId = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(readerName))!.Id;
        var before = (await scope.ServiceProvider.GetRequiredService<JobEngine>().FindAsync(MirrorSyncJob.Kind, repository!.Id))!;

        var result = await scope.ServiceProvider.GetRequiredService<SyncRequestService>().RequestAsync(repository!, JobTrigger.Manual, readerId);

        Assert.Equal(PortalErrorKind.Forbidden, result.Error?.Kind);
        Assert.Contains("developer access", result.Error!.Message);
        var after = (await scope.ServiceProvider.GetRequiredService<JobEngine>().FindAsync(MirrorSyncJob.Kind, repository!.Id))!;
        Assert.Equal(before.Status, after.Status);
        Assert.Equal(before.LastManualRequestAt, after.LastManualRequestAt);
        var refused = await reader.PostAsync($"/api/v1/repos/{maintainer.UserName}/{name}/sync", null);
        await Infrastructure.ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "developer access");
    }
}
