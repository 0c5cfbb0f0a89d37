using Portal.Core.Organizations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Jobs;
using Portal.Core.Lfs;

namespace Portal.Core.Mirroring;

public static class MirroringServiceCollectionExtensions
{
    /// <summary>Pull mirrors: the mirror-sync job kind and its commit-graph follow-up, the fetch it (and write-through) runs, write-through pushes, the sync button's requests, waits for a sync's end, live progress, LFS fetching, upstream webhooks, broken-mirror lists.</summary>
    public static IServiceCollection AddMirroring(this IServiceCollection services)
    {
        services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddJobKind<MirrorSyncJob>(MirrorSyncJob.Kind, sp =>
        {
            var options = sp.GetRequiredService<IOptions<SyncOptions>>().Value;
            return new JobKind(MirrorSyncJob.Kind, options.MaxConcurrent, options.RetryPolicy);
        });
        // The commit-graph follow-up of a sync that changed refs: one at a time per node, it is CPU work beside the syncs.
        services.AddJobKind<CommitGraphJob>(CommitGraphJob.Kind, _ => new JobKind(CommitGraphJob.Kind, 1, CommitGraphJob.RetryPolicy));
        services.AddScoped<CommitGraphTrigger>();
        services.AddScoped<SyncRequestService>();
        // Holds an API request (?wait=) until a sync ends.
        services.AddScoped<SyncWaiter>();
        // An organization's page lists its broken mirrors from their sync jobs.
        services.AddScoped<OrganizationOverviewService>();
        services.AddScoped<MirrorFetcher>();
        services.AddSingleton<RepositoryLocks>();
        services.AddScoped<WriteThroughStaging>();
        services.AddScoped<WriteThroughForwarder>();
        services.AddSingleton<SyncProgressTracker>();
        services.AddSingleton<LfsPointerScanner>();
        services.AddSingleton<LfsBatchDownloader>();
        services.AddSingleton<MirrorLfsFetcher>();
        // Upstream webhooks (a push upstream syncs at once) and the broken-mirror lists.
        services.AddScoped<UpstreamWebhookService>();
        services.AddScoped<UpstreamWebhookReceiver>();
        services.AddScoped<BrokenMirrorService>();
        return services;
    }
}
