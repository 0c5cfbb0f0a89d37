using Microsoft.AspNetCore.Http.Features;

namespace Portal.Web.Hosting;

/// <summary>
/// Endpoint metadata: the largest request body an endpoint reads, and how it says no in its own protocol (a problem
/// detail for the API, LFS JSON, MLflow's error JSON, text for git and DVC). <see cref="RequestBodyLimits.UseRequestBodyLimits"/>
/// enforces it for every endpoint that carries one.
/// </summary>
public sealed class RequestBodyLimit(Func<IServiceProvider, long> maxBytes, string hint, Func<HttpContext, string, Task> refuse)
{
    public long MaxBytes(HttpContext context) => maxBytes(context.RequestServices);

    public string Message(long limit) => $"The request body is larger than {limit:N0} bytes, the most this endpoint accepts: {hint}";

    public Task RefuseAsync(HttpContext context, long limit)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        return refuse(context, Message(limit));
    }
}

public static class RequestBodyLimits
{
    /// <summary>The REST API's JSON bodies (a repository, a token, a member): a few hundred bytes in practice.</summary>
    public const long ApiJsonBytes = 64 * 1024;

    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, long maxBytes, string hint, Func<HttpContext, string, Task> refuse)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithRequestBodyLimit(_ => maxBytes, hint, refuse);

    /// <summary>A limit read from configuration when a request arrives (e.g. Portal:Git:MaxRequestBodyBytes).</summary>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, Func<IServiceProvider, long> maxBytes, string hint, Func<HttpContext, string, Task> refuse)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestBodyLimit(maxBytes, hint, refuse));

    /// <summary>
    /// For an endpoint with a <see cref="RequestBodyLimit"/> (the most specific one wins): a declared Content-Length over
    /// the limit is refused before a byte is read; otherwise the body is read through a counter that stops at the limit
    /// (chunked bodies, and servers such as the test host that do not enforce MaxRequestBodySize), and the refusal is
    /// written in the endpoint's own shape. Runs after routing, before authentication: refusing costs nothing.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>() is not { } limit)
        {
            await next(context);
            return;
        }

        var maxBytes = limit.MaxBytes(context);
        if (context.Request.ContentLength > maxBytes)
        {
            await limit.RefuseAsync(context, maxBytes);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBytes;
        }

        var original = context.Request.Body;
        context.Request.Body = new LimitedReadStream(original, maxBytes, leaveOpen: true);
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            context.Response.Clear();
            await limit.RefuseAsync(context, maxBytes);
        }
        finally
        {
            context.Request.Body = original;
        }
    });
}
