using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Portal.Web.Hosting;

public static class ReverseProxyExtensions
{
    /// <summary><c>Portal:PublicUrl</c> and <c>Portal:KnownProxies</c>, validated on start, and the service that builds public URLs.</summary>
    public static IServiceCollection AddPortalReverseProxy(this IServiceCollection services)
    {
        services.AddOptions<ReverseProxyOptions>().BindConfiguration("Portal").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReverseProxyOptions>, ReverseProxyOptionsValidator>();
        services.AddSingleton<PublicBaseUrl>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ReverseProxyOptions>>((forwarded, proxy) =>
        {
            // No proxy configured: no forwarded header is believed, even if the framework's own forwarded-headers step
            // is switched on (ASPNETCORE_FORWARDEDHEADERS_ENABLED, common in container images) with an empty trust list.
            var networks = proxy.Value.ProxyNetworks().ToList();
            forwarded.ForwardedHeaders = networks.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // The framework trusts loopback by default; Portal trusts exactly the configured proxies, nobody else.
            forwarded.KnownProxies.Clear();
            forwarded.KnownNetworks.Clear();
            foreach (var network in networks)
            {
                forwarded.KnownNetworks.Add(new Microsoft.AspNetCore.HttpOverrides.IPNetwork(network.BaseAddress, network.PrefixLength));
            }

            // Each hop is believed only while the address it came from is a known proxy, so a chain of them works.
            forwarded.ForwardLimit = null;
        });
        return services;
    }

    /// <summary>Applies X-Forwarded-For/-Proto/-Host from known proxies only; without any configured, the headers are ignored.</summary>
    public static WebApplication UseKnownProxies(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ReverseProxyOptions>>().Value.KnownProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
