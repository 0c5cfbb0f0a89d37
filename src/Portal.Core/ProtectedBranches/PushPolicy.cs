using Portal.Git;

namespace Portal.Core.ProtectedBranches;

/// <summary>
/// What Portal's pre-receive hook (<see cref="PushPolicyHook"/>) needs to judge one push: the repository's protected
/// branch rules as the database holds them now, and whether the pusher is a maintainer. Portal puts both into the
/// environment of the git process it starts for the push, which the hook inherits; nothing in the push itself (refs,
/// objects, push options, which are off) can set or change them, and no file in the repository holds them.
/// </summary>
public sealed record PushPolicy(IReadOnlyList<ProtectedBranch> Rules, bool PusherIsMaintainer)
{
    public const string RulesVariable = "PORTAL_PROTECTED_BRANCHES";

    public const string AccessVariable = "PORTAL_PUSHER_ACCESS";

    /// <summary>One rule a line: pattern, force-push allowed, deletion allowed, who may push (tab-separated; patterns hold neither tabs nor newlines).</summary>
    public string RulesText => string.Join('\n', Rules.Select(r =>
        $"{r.Pattern}\t{(r.AllowForcePush ? 1 : 0)}\t{(r.AllowDeletion ? 1 : 0)}\t{(r.PushAccess == PushAccess.Developer ? "developer" : "maintainer")}"));

    public GitCommand Apply(GitCommand command) => command
        .WithEnvironment(RulesVariable, RulesText)
        .WithEnvironment(AccessVariable, PusherIsMaintainer ? "maintainer" : "developer");
}
