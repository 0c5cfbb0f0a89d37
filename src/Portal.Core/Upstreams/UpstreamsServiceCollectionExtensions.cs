using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Outbound;

namespace Portal.Core.Upstreams;

public static class UpstreamsServiceCollectionExtensions
{
    /// <summary>
    /// The one door to the outside: the address policy (Portal:Import:AllowLocalNetwork and AllowedHosts, validated
    /// at start) and the HTTP client factory whose every connection that policy checks and pins.
    /// </summary>
    public static IServiceCollection AddOutboundConnections(this IServiceCollection services)
    {
        services.AddOptions<ImportOptions>().BindConfiguration(ImportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.AddSingleton<OutboundAddressPolicy>();
        services.AddSingleton<OutboundHttpClientFactory>();
        return services;
    }

    /// <summary>Talking to upstreams: URL policy, connections pinned to checked addresses, credentials, deploy and host keys.</summary>
    public static IServiceCollection AddUpstreams(this IServiceCollection services)
    {
        services.AddSingleton<UpstreamConnector>();
        services.AddSingleton<UpstreamProbe>();
        services.AddSingleton<UpstreamCredentialStore>();
        services.AddScoped<DeployKeyService>();
        return services;
    }
}
