using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Web.Authentication;

namespace Portal.Web.Api;

public static class PortalApiExtensions
{
    public static IServiceCollection AddPortalApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower)));
        return services;
    }

    /// <summary>The REST API under /api/v1: JSON in and out, errors as problem details, Authorization header only.</summary>
    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(PortalAuthenticationServiceCollectionExtensions.ApiPolicy)
            .DisableAntiforgery();
        api.MapTokensApi();
        api.MapUserApi();
        api.MapOrganizationsApi();
        return app;
    }
}
