using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Browsing;
using Portal.Core.ExternalRemotes;
using Portal.Core.Storage;

namespace Portal.Core.Repositories;

public static class RepositoriesServiceCollectionExtensions
{
    /// <summary>Repositories themselves: access, creation, settings, conversion, removal and activity, browsing, the storage quota they share, housekeeping.</summary>
    public static IServiceCollection AddRepositories(this IServiceCollection services)
    {
        services.AddScoped<RepositoryAccess>();
        services.AddScoped<RepositoryInputValidator>();
        services.AddScoped<RepositoryCreationService>();
        services.AddScoped<ConnectionTestService>();
        services.AddScoped<RepositorySettingsService>();
        services.AddScoped<RepositoryConversionService>();
        services.AddScoped<RepositoryRemovalService>();
        services.AddScoped<RepositoryActivityService>();
        services.AddScoped<ExternalRemoteService>();
        services.AddScoped<ProtectedBranches.ProtectedBranchService>();
        services.AddOptions<BrowsingOptions>().BindConfiguration(BrowsingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BrowsingCache>();
        services.AddSingleton<RepositoryBrowser>();
        services.AddSingleton<RepositoryContents>();
        // One quota per repository for its large files, whichever tool stores them (Git LFS, DVC).
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        services.AddSingleton<StorageQuota>();
        services.AddOptions<HousekeepingOptions>().BindConfiguration(HousekeepingOptions.Section);
        services.AddHostedService<RepositoryHousekeeping>();
        return services;
    }
}
