using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Browsing;
using Portal.Core.Storage;

namespace Portal.Core.Repositories;

public static class RepositoriesServiceCollectionExtensions
{
    /// <summary>Repositories themselves: access, creation and settings, browsing, the storage quota they share, housekeeping.</summary>
    public static IServiceCollection AddRepositories(this IServiceCollection services)
    {
        services.AddScoped<RepositoryAccess>();
        services.AddScoped<RepositoryService>();
        services.AddScoped<Remotes.ExternalRemoteService>();
        services.AddOptions<BrowsingOptions>().BindConfiguration(BrowsingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RepositoryBrowser>();
        // One quota per repository for its large files, whichever tool stores them (Git LFS, DVC).
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        services.AddSingleton<StorageQuota>();
        services.AddOptions<HousekeepingOptions>().BindConfiguration(HousekeepingOptions.Section);
        services.AddHostedService<RepositoryHousekeeping>();
        return services;
    }
}
