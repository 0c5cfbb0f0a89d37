using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Jobs;
using Portal.Core.Lfs;
using Portal.Core.Mirroring;

namespace Portal.Core.PushMirrors;

public static class PushMirrorsServiceCollectionExtensions
{
    /// <summary>Push mirrors: the push-mirror job kind (retries as pull mirrors), their settings, and the debounced trigger after changes.</summary>
    public static IServiceCollection AddPushMirrors(this IServiceCollection services)
    {
        services.AddOptions<PushMirrorOptions>().BindConfiguration(PushMirrorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddJobKind<PushMirrorJob>(PushMirrorJob.Kind, sp => new JobKind(
            PushMirrorJob.Kind,
            sp.GetRequiredService<IOptions<PushMirrorOptions>>().Value.MaxConcurrent,
            sp.GetRequiredService<IOptions<SyncOptions>>().Value.RetryPolicy));
        services.AddScoped<PushMirrorService>();
        services.AddScoped<PushMirrorTrigger>();
        services.AddSingleton<LfsBatchUploader>();
        services.AddSingleton<LfsForwarder>();
        return services;
    }
}
