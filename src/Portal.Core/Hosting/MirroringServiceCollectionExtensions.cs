using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Hosting;

public static class MirroringServiceCollectionExtensions
{
    /// <summary>The git layer: the one place that starts processes.</summary>
    public static IServiceCollection AddPortalGit(this IServiceCollection services)
    {
        services.AddOptions<GitOptions>().BindConfiguration(GitOptions.Section)
            // The git layer knows no data folder: Portal tells it where git's HOME and scratch space are.
            .Configure<DataDirectory>((git, data) =>
            {
                git.HomePath = data.GitHomePath;
                git.TempPath = data.TempPath;
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GitRunner>();
        services.AddSingleton<LocalRepository>();
        services.AddSingleton<SshTools>();
        // Scoped: it counts stored bytes against the repository's quota in the database.
        services.AddSingleton<Lfs.LfsObjectStore>();
        services.AddOptions<Browsing.BrowsingOptions>().BindConfiguration(Browsing.BrowsingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Browsing.RepositoryBrowser>();
        return services;
    }

    /// <summary>Repositories, upstream connections, and the scheduler → queue → worker pipeline that syncs mirrors.</summary>
    public static IServiceCollection AddMirroring(this IServiceCollection services)
    {
        services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<UpstreamConnector>();
        services.AddSingleton<UpstreamProbe>();
        services.AddSingleton<Lfs.LfsPointerScanner>();
        services.AddSingleton<Lfs.LfsBatchDownloader>();
        services.AddSingleton<MirrorLfsFetcher>();
        services.AddSingleton<UpstreamCredentialStore>();
        services.AddSingleton<SyncQueue>();
        services.AddSingleton<SyncProgressTracker>();
        services.AddSingleton<InterruptedSyncRecovery>();

        services.AddScoped<RepositoryAccess>();
        services.AddScoped<RepositoryService>();
        services.AddScoped<DeployKeyService>();
        services.AddScoped<SyncRequestService>();
        services.AddScoped<MirrorSyncService>();
        services.AddScoped<PushRecorder>();
        services.AddSingleton<Storage.StorageQuota>();
        services.AddScoped<Storage.DvcObjectStore>();
        services.AddScoped<Experiments.TrackingService>();
        services.AddScoped<Remotes.ExternalRemoteService>();
        services.AddOptions<Storage.StorageOptions>().BindConfiguration(Storage.StorageOptions.Section);

        // The scheduler is also resolvable by itself, so tests (and admin tools) can run a pass on demand.
        services.AddSingleton<MirrorScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<MirrorScheduler>());
        services.AddHostedService<SyncWorkerPool>();
        services.AddOptions<HousekeepingOptions>().BindConfiguration(HousekeepingOptions.Section);
        services.AddHostedService<RepositoryHousekeeping>();
        return services;
    }
}
