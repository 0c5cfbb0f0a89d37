using Portal.Core.Tokens;
using Portal.Web.Authentication;

namespace Portal.Web.Api;

/// <summary>Refuses a token that lacks a scope, naming the scope, before the endpoint runs.</summary>
public sealed class RequireScopeFilter(TokenScopes required) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var scopes = context.HttpContext.User.TokenScopes();
        if ((scopes & required) == required)
        {
            return next(context);
        }

        var missing = string.Join(", ", PersonalAccessTokenService.ScopeNames(required & ~scopes));
        return ValueTask.FromResult<object?>(ProblemResults.Problem(
            StatusCodes.Status403Forbidden,
            $"This token lacks the '{missing}' scope: create a token with it under Settings > Access tokens."));
    }
}

public static class RequireScopeFilterExtensions
{
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, TokenScopes scopes)
        where TBuilder : IEndpointConventionBuilder => builder.AddEndpointFilter(new RequireScopeFilter(scopes));
}
