using Microsoft.Extensions.DependencyInjection;
using Portal.Core;
using Portal.Core.Remotes;

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
        var repositoryId = await RepositoryIdAsync(scope);

        var added = await remotes.AddAsync(repositoryId, Portal.Tests.Infrastructure.PortalFactory.UniqueName("r"), ExternalRemoteKind.Storage, url, "team data");

        Assert.Equal(accepted, added.Succeeded);
        Assert.Equal(accepted, (await remotes.ListAsync(repositoryId)).Any(r => r.Url == url));
    }

    [Fact]
    public async Task DuplicateName_IsAConflict()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var remotes = scope.ServiceProvider.GetRequiredService<ExternalRemoteService>();
        var repositoryId = await RepositoryIdAsync(scope);

        await remotes.AddAsync(repositoryId, "s3", ExternalRemoteKind.Storage, "s3://a/b", null);
        var again = await remotes.AddAsync(repositoryId, "s3", ExternalRemoteKind.Storage, "s3://c/d", null);

        Assert.Equal(PortalErrorKind.Conflict, again.Error?.Kind);
    }

    private async Task<long> RepositoryIdAsync(AsyncServiceScope scope)
    {
        var (user, _, _, repo) = await portal.CreateProjectAsync();
        var repository = await scope.ServiceProvider.GetRequiredService<Portal.Core.Repositories.RepositoryAccess>().FindAsync(user, repo);
        return repository!.Id;
    }
}
