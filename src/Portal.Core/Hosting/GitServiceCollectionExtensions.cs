using Microsoft.Extensions.DependencyInjection;
using Portal.Git;

namespace Portal.Core.Hosting;

public static class GitServiceCollectionExtensions
{
    /// <summary>The git layer (src/Portal.Git), told where in the data folder git's HOME and scratch space are.</summary>
    public static IServiceCollection AddPortalGit(this IServiceCollection services)
    {
        services.AddOptions<GitOptions>().BindConfiguration(GitOptions.Section)
            .Configure<DataDirectory>((git, data) =>
            {
                git.HomePath = data.GitHomePath;
                git.TempPath = data.TempPath;
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GitRunner>();
        services.AddSingleton<LocalRepository>();
        services.AddSingleton<SshTools>();
        return services;
    }
}
