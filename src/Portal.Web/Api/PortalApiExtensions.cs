using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Web.Authentication;
using Portal.Web.Hosting;

namespace Portal.Web.Api;

public static class PortalApiExtensions
{
    public static IServiceCollection AddPortalApi(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            // Framework-produced problems (unreadable body, unknown route) come without a detail; give one a person can act on.
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge && context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>() is { } limit
                ? limit.Message(limit.MaxBytes(context.HttpContext))
                : DefaultDetail(context.ProblemDetails.Status));
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            // A field the endpoint does not take (misspelt, or at the wrong level) is refused, never silently dropped:
            // the caller would believe a setting was applied.
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        services.AddSingleton<SyncWaitHolds>();
        return services;
    }

    private static string DefaultDetail(int? status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read: send a JSON body with only the fields this endpoint documents, at the level it documents them (unknown fields are refused; see the API section of the README).",
        StatusCodes.Status404NotFound => "There is nothing at this address: check the path and the API version (/api/v1).",
        StatusCodes.Status405MethodNotAllowed => "This address does not accept that HTTP method.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
        _ => "The request failed; see the status code.",
    };

    /// <summary>The REST API under /api/v1: JSON in and out, errors as problem details, Authorization header only.</summary>
    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(PortalAuthenticationServiceCollectionExtensions.ApiPolicy)
            .DisableAntiforgery()
            .WithRequestBodyLimit(RequestBodyLimits.ApiJsonBytes, "send a smaller JSON body.", (context, detail) => ProblemResults.Problem(StatusCodes.Status413PayloadTooLarge, detail).ExecuteAsync(context));
        api.MapTokensApi();
        api.MapUserApi();
        api.MapOrganizationsApi();
        api.MapRepositoriesApi();
        api.MapProtectedBranchesApi();
        api.MapPushMirrorsApi();
        api.MapWebhooksApi();
        return app;
    }
}
