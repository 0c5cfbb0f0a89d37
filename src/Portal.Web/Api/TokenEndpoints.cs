using System.Security.Claims;
using Portal.Core.Tokens;
using Portal.Web.Authentication;

namespace Portal.Web.Api;

public static class TokenEndpoints
{
    public static RouteGroupBuilder MapTokensApi(this RouteGroupBuilder api)
    {
        // Minting a token needs the password: a token, however powerful, cannot create more tokens.
        api.MapPost("/tokens", CreateAsync);
        api.MapGet("/tokens", ListAsync).RequireScope(TokenScopes.Api);
        api.MapDelete("/tokens/{id:long}", RevokeAsync).RequireScope(TokenScopes.Api);
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateTokenRequest? request, ClaimsPrincipal user, PersonalAccessTokenService tokens, CancellationToken cancellationToken)
    {
        if (!user.UsedPassword())
        {
            return ProblemResults.Problem(StatusCodes.Status403Forbidden, "Create tokens with your username and password (Basic auth), not with another token.");
        }

        if (request is null)
        {
            return ProblemResults.Problem(StatusCodes.Status400BadRequest, "Send a JSON body such as {\"name\": \"ci\", \"scopes\": [\"read\"]}.");
        }

        var scopes = PersonalAccessTokenService.ParseScopes(request.Scopes, out var scopeError);
        if (scopeError is not null)
        {
            return ProblemResults.Problem(StatusCodes.Status400BadRequest, scopeError);
        }

        var issued = await tokens.CreateAsync(user.UserId(), request.Name, scopes, request.ExpiresAt, cancellationToken);
        if (!issued.Succeeded)
        {
            return issued.Error!.ToProblem();
        }

        var created = issued.Value!;
        return TypedResults.Created($"/api/v1/tokens/{created.Token.Id}", new CreatedTokenResponse(created.Token.Id, created.Token.Name, created.Secret, PersonalAccessTokenService.ScopeNames(created.Token.Scopes), created.Token.ExpiresAt));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, PersonalAccessTokenService tokens, CancellationToken cancellationToken)
    {
        var list = await tokens.ListAsync(user.UserId(), cancellationToken);
        return TypedResults.Ok(list.Select(TokenResponse.From));
    }

    private static async Task<IResult> RevokeAsync(long id, ClaimsPrincipal user, PersonalAccessTokenService tokens, CancellationToken cancellationToken)
    {
        var revoked = await tokens.RevokeAsync(user.UserId(), id, cancellationToken);
        return revoked.Succeeded ? TypedResults.NoContent() : revoked.Error!.ToProblem();
    }
}

public sealed record CreateTokenRequest(string? Name, IReadOnlyList<string>? Scopes, DateTime? ExpiresAt);

public sealed record CreatedTokenResponse(long Id, string Name, string Token, IReadOnlyList<string> Scopes, DateTime? ExpiresAt);

public sealed record TokenResponse(long Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public static TokenResponse From(PersonalAccessToken token) =>
        new(token.Id, token.Name, token.DisplayPrefix, PersonalAccessTokenService.ScopeNames(token.Scopes), token.CreatedAt, token.ExpiresAt, token.LastUsedAt, token.RevokedAt);
}
