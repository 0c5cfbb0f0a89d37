using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core;
using Portal.Core.Accounts;
using Portal.Core.ExternalRemotes;

namespace Portal.Tests.Remotes;

public sealed class ExternalRemoteTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    [Theory]
    [InlineData("s3://team-bucket/datasets", true)]
    [InlineData("https://mlflow.example.com", true)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("data:text/html,hi", false)]
    [InlineData("not a url", false)]
    [InlineData("", false)]
    public async Task Add_AcceptsRealUrls_AndRefusesScriptable(string url, bool accepted)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var remotes = scope.ServiceProvider.GetRequiredService<ExternalRemoteService>();
        var (repositoryId, ownerId) = await ProjectAsync(scope);

        var added = await remotes.AddAsync(ownerId, repositoryId, Portal.Tests.Infrastructure.PortalFactory.UniqueName("r"), ExternalRemoteKind.Storage, url, "team data");

        Assert.Equal(accepted, added.Succeeded);
        Assert.Equal(accepted, (await remotes.ListAsync(repositoryId)).Any(r => r.Url == url));
    }

    [Fact]
    public async Task DuplicateName_IsAConflict()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var remotes = scope.ServiceProvider.GetRequiredService<ExternalRemoteService>();
        var (repositoryId, ownerId) = await ProjectAsync(scope);

        await remotes.AddAsync(ownerId, repositoryId, "s3", ExternalRemoteKind.Storage, "s3://a/b", null);
        var again = await remotes.AddAsync(ownerId, repositoryId, "s3", ExternalRemoteKind.Storage, "s3://c/d", null);

        Assert.Equal(PortalErrorKind.Conflict, again.Error?.Kind);
    }

    [Fact]
    [Trait("Category", "Hardening")]
    public async Task AddAndRemove_AreCheckedInTheService_SoANonMaintainerChangesNothing()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var remotes = scope.ServiceProvider.GetRequiredService<ExternalRemoteService>();
        var (repositoryId, ownerId) = await ProjectAsync(scope);
        var kept = await remotes.AddAsync(ownerId, repositoryId, "kept", ExternalRemoteKind.Storage, "s3://a/kept", null);
        var (stranger, _) = await portal.CreateUserAsync("stranger");
        var strangerId = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(stranger))!.Id;

        var added = await remotes.AddAsync(strangerId, repositoryId, "evil", ExternalRemoteKind.Storage, "s3://evil/x", null);
        var removed = await remotes.RemoveAsync(strangerId, repositoryId, kept.Value!.Id);

        Assert.Equal(PortalErrorKind.Forbidden, added.Error?.Kind);
        Assert.Equal(PortalErrorKind.Forbidden, removed.Error?.Kind);
        Assert.Equal(["kept"], (await remotes.ListAsync(repositoryId)).Select(r => r.Name));
    }

    private async Task<(long RepositoryId, string OwnerId)> ProjectAsync(AsyncServiceScope scope)
    {
        var (user, _, _, repo) = await portal.CreateProjectAsync();
        var repository = await scope.ServiceProvider.GetRequiredService<Portal.Core.Repositories.RepositoryAccess>().FindAsync(user, repo);
        var owner = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(user);
        return (repository!.Id, owner!.Id);
    }
}
