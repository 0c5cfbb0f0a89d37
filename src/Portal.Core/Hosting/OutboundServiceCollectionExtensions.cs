using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Outbound;

namespace Portal.Core.Hosting;

public static class OutboundServiceCollectionExtensions
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
}
