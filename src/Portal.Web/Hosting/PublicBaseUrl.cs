using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Portal.Web.Hosting;

/// <summary>
/// The one place that decides Portal's own address as people should use it: <c>Portal:PublicUrl</c> when set, else the
/// scheme and host of the request (after a known proxy's X-Forwarded-* headers were applied). Clone URLs, LFS hrefs,
/// remote commands and links in messages are all built from it, without a trailing slash.
/// </summary>
public sealed class PublicBaseUrl(IOptions<ReverseProxyOptions> options)
{
    private readonly string? configured = options.Value.PublicBase;

    public string For(HttpRequest request) => configured ?? $"{request.Scheme}://{request.Host}{request.PathBase}".TrimEnd('/');

    /// <summary>For interactive pages, which have no request: the address the browser itself is on.</summary>
    public string For(NavigationManager navigation) => configured ?? navigation.BaseUri.TrimEnd('/');

    /// <summary>A repository's address with a suffix: ".git" (clone), ".dvc" (storage) or ".mlflow" (experiments).</summary>
    public static string Repository(string baseUrl, string owner, string name, string suffix) => $"{baseUrl}/{owner}/{name}{suffix}";
}
