using System.Security.Claims;
using Portal.Core.Organizations;
using Portal.Core.Tokens;
using Portal.Web.Authentication;

namespace Portal.Web.Api;

public static class OrganizationEndpoints
{
    public static RouteGroupBuilder MapOrganizationsApi(this RouteGroupBuilder api)
    {
        var orgs = api.MapGroup("/orgs").RequireScope(TokenScopes.Api);
        orgs.MapPost("/", CreateAsync);
        orgs.MapGet("/", ListAsync);
        orgs.MapGet("/{org}/members", ListMembersAsync);
        orgs.MapPut("/{org}/members/{user}", SetMemberAsync);
        orgs.MapDelete("/{org}/members/{user}", RemoveMemberAsync);
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateOrganizationRequest? request, ClaimsPrincipal user, OrganizationService organizations, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ProblemResults.Problem(StatusCodes.Status400BadRequest, "Send a JSON body such as {\"name\": \"data-team\"}.");
        }

        var created = await organizations.CreateAsync(user.UserId(), request.Name ?? "", request.Description, cancellationToken);
        return created.Succeeded
            ? TypedResults.Created($"/api/v1/orgs/{created.Value!.Owner!.Slug}", new OrganizationResponse(created.Value.Owner.Name, created.Value.Description, OrganizationRole.Owner))
            : created.Error!.ToProblem();
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, OrganizationService organizations, CancellationToken cancellationToken)
    {
        var list = await organizations.ListForUserAsync(user.UserId(), cancellationToken);
        return TypedResults.Ok(list.Select(m => new OrganizationResponse(m.Name, m.Description, m.Role)));
    }

    private static async Task<IResult> ListMembersAsync(string org, ClaimsPrincipal user, OrganizationService organizations, CancellationToken cancellationToken)
    {
        var members = await organizations.ListMembersAsync(user.UserId(), org, cancellationToken);
        return members.Succeeded
            ? TypedResults.Ok(members.Value!.Select(m => new MemberResponse(m.UserName, m.Role)))
            : members.Error!.ToProblem();
    }

    private static async Task<IResult> SetMemberAsync(string org, string user, SetMemberRequest? request, ClaimsPrincipal principal, OrganizationService organizations, CancellationToken cancellationToken)
    {
        if (request?.Role is not { } roleName || !TryParseRole(roleName, out var role))
        {
            return ProblemResults.Problem(StatusCodes.Status400BadRequest, "Send {\"role\": \"owner\" | \"maintainer\" | \"developer\" | \"reader\"}.");
        }

        var member = await organizations.SetMemberAsync(principal.UserId(), org, user, role, cancellationToken);
        return member.Succeeded ? TypedResults.Ok(new MemberResponse(user, role)) : member.Error!.ToProblem();
    }

    private static async Task<IResult> RemoveMemberAsync(string org, string user, ClaimsPrincipal principal, OrganizationService organizations, CancellationToken cancellationToken)
    {
        var removed = await organizations.RemoveMemberAsync(principal.UserId(), org, user, cancellationToken);
        return removed.Succeeded ? TypedResults.NoContent() : removed.Error!.ToProblem();
    }

    private static bool TryParseRole(string name, out OrganizationRole role) =>
        Enum.TryParse(name, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(name, out _);
}

public sealed record CreateOrganizationRequest(string? Name, string? Description);

public sealed record SetMemberRequest(string? Role);

public sealed record OrganizationResponse(string Name, string Description, OrganizationRole Role);

public sealed record MemberResponse(string UserName, OrganizationRole Role);
