using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>The background-work engine: one job table, one claimer, one scheduler, one worker pool for every kind of job.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<JobSignals>();
        services.AddSingleton<JobWriteGate>();
        services.AddScoped<JobEngine>();

        // The scheduler is also resolvable by itself, so tests (and admin tools) can run a pass on demand.
        services.AddSingleton<JobScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<JobScheduler>());
        services.AddSingleton<JobWorkerPool>();
        services.AddHostedService(sp => sp.GetRequiredService<JobWorkerPool>());
        return services;
    }

    /// <summary>
    /// Plugs a kind of job into the engine: its handler (scoped, resolved per run by the kind's name) and what the
    /// engine needs to know of it (<see cref="JobKind"/>: concurrency, retry policy), built from the kind's own options.
    /// </summary>
    public static IServiceCollection AddJobKind<THandler>(this IServiceCollection services, string name, Func<IServiceProvider, JobKind> describe)
        where THandler : class, IJobHandler
    {
        services.AddKeyedScoped<IJobHandler, THandler>(name);
        services.AddSingleton(describe);
        return services;
    }
}
