using System.Security.Claims;
using System.Text.Json.Serialization;
using Portal.Core;
using Portal.Core.ProtectedBranches;
using Portal.Core.Repositories;
using Portal.Core.Tokens;
using Portal.Web.Authentication;

namespace Portal.Web.Api;

/// <summary>
/// <c>/api/v1/repos/{owner}/{name}/protected-branches[/{pattern}]</c>: anyone who reads the repository lists and reads
/// the rules; its maintainers put and delete them. The pattern is the rest of the path, so <c>release/*</c> needs no
/// escaping beyond what a URL needs.
/// </summary>
public static class ProtectedBranchEndpoints
{
    public static RouteGroupBuilder MapProtectedBranchesApi(this RouteGroupBuilder api)
    {
        var rules = api.MapGroup("/repos/{owner}/{name}/protected-branches").RequireScope(TokenScopes.Api);
        rules.MapGet("/", ListAsync);
        rules.MapGet("/{**pattern}", GetAsync);
        rules.MapPut("/{**pattern}", PutAsync);
        rules.MapDelete("/{**pattern}", DeleteAsync);
        return api;
    }

    private static async Task<IResult> ListAsync(string owner, string name, ClaimsPrincipal user, RepositoryAccess access, ProtectedBranchService service, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        return repository is null
            ? RepositoryEndpoints.NotFound(owner, name)
            : TypedResults.Ok((await service.ListAsync(repository.Id, cancellationToken)).Select(ProtectedBranchResponse.From).ToList());
    }

    private static async Task<IResult> GetAsync(string owner, string name, string pattern, ClaimsPrincipal user, RepositoryAccess access, ProtectedBranchService service, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var rule = await service.FindAsync(repository.Id, pattern, cancellationToken);
        return rule is null ? RuleNotFound(pattern) : TypedResults.Ok(ProtectedBranchResponse.From(rule));
    }

    private static async Task<IResult> PutAsync(string owner, string name, string pattern, ProtectedBranchBody? body, ClaimsPrincipal user, RepositoryAccess access, ProtectedBranchService service, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var request = (body ?? new ProtectedBranchBody()).ToRequest(pattern);
        if (!request.Succeeded)
        {
            return (await access.RefuseUnlessAdminAsync(user.UserId(), repository, "protect its branches", cancellationToken) ?? request.Error!).ToProblem();
        }

        var put = await service.PutAsync(user.UserId(), repository, request.Value!, cancellationToken);
        if (!put.Succeeded)
        {
            return put.Error!.ToProblem();
        }

        var (rule, created) = put.Value;
        var response = ProtectedBranchResponse.From(rule);
        return created
            ? TypedResults.Created($"/api/v1/repos/{owner}/{name}/protected-branches/{rule.Pattern}", response)
            : TypedResults.Ok(response);
    }

    private static async Task<IResult> DeleteAsync(string owner, string name, string pattern, ClaimsPrincipal user, RepositoryAccess access, ProtectedBranchService service, CancellationToken cancellationToken)
    {
        var (repository, _) = await RepositoryEndpoints.FindReadableAsync(owner, name, user, access, cancellationToken);
        if (repository is null)
        {
            return RepositoryEndpoints.NotFound(owner, name);
        }

        var deleted = await service.DeleteAsync(user.UserId(), repository, pattern, cancellationToken);
        return deleted.Succeeded ? TypedResults.NoContent() : deleted.Error!.ToProblem();
    }

    private static IResult RuleNotFound(string pattern) =>
        ProblemResults.Problem(StatusCodes.Status404NotFound, $"There is no protected-branch rule '{pattern}' in this repository.");
}

/// <summary>The body of a PUT: the whole rule; left out is strict (no force-push, no deletion, maintainers push).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProtectedBranchBody(bool? AllowForcePush = null, bool? AllowDeletion = null, string? PushAccess = null)
{
    public Outcome<ProtectedBranchRequest> ToRequest(string pattern)
    {
        PushAccess? pushAccess = PushAccess?.Trim().ToLowerInvariant() switch
        {
            null => null,
            "maintainer" => Core.ProtectedBranches.PushAccess.Maintainer,
            "developer" => Core.ProtectedBranches.PushAccess.Developer,
            _ => (PushAccess?)(-1),
        };
        return pushAccess is { } access && !Enum.IsDefined(access)
            ? PortalError.Invalid("pushAccess must be \"maintainer\" (only maintainers push) or \"developer\" (everyone who may push to the repository).")
            : new ProtectedBranchRequest(pattern, AllowForcePush, AllowDeletion, pushAccess);
    }
}

public sealed record ProtectedBranchResponse(string Pattern, bool AllowForcePush, bool AllowDeletion, PushAccess PushAccess, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ProtectedBranchResponse From(ProtectedBranch rule) =>
        new(rule.Pattern, rule.AllowForcePush, rule.AllowDeletion, rule.PushAccess, rule.CreatedAt, rule.UpdatedAt);
}
