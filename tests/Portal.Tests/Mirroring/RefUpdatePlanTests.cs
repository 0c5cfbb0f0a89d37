using Portal.Core.Mirroring;
using Portal.Git;

namespace Portal.Tests.Mirroring;

/// <summary>What an incremental sync by object id changes: exactly what fetch --prune with the mirror's refspecs changed.</summary>
public sealed class RefUpdatePlanTests
{
    private static readonly string A = new('a', 40);
    private static readonly string B = new('b', 40);
    private static readonly string C = new('c', 40);

    private static RefSnapshot Refs(params (string Name, string Sha)[] refs) =>
        new(refs.ToDictionary(r => r.Name, r => r.Sha, StringComparer.Ordinal), null);

    private static BranchFilter Filter(string? branches = null, bool tags = true) => BranchFilter.For(branches, false, tags, []).Value!;

    [Fact]
    public void SameRefs_ComparesOnlyWhatTheMirrorTakes()
    {
        // The no-op check of every sync: the mirror's own refs the filter skips (other branches, tags when they are off)
        // never make it look out of date; a moved, missing or extra ref that it takes does.
        var filter = Filter(branches: "^main$", tags: false);
        var wanted = Refs(("refs/heads/main", A));

        Assert.True(filter.SameRefs(Refs(("refs/heads/main", A), ("refs/heads/wip", B), ("refs/tags/v1", B)), wanted));
        Assert.False(filter.SameRefs(Refs(("refs/heads/main", B)), wanted));
        Assert.False(filter.SameRefs(Refs(("refs/heads/wip", A)), wanted));
        Assert.False(filter.SameRefs(Refs(("refs/heads/main", A)), Refs(("refs/heads/main", A), ("refs/notes/commits", C))));
        Assert.False(Filter().SameRefs(Refs(("refs/heads/main", A), ("refs/tags/v1", B)), wanted));
        Assert.True(Filter().SameRefs(RefSnapshot.Empty, Refs()));
    }

    [Fact]
    public void Between_CreatesMovesAndDeletes_AndFetchesEachNewObjectOnce()
    {
        var before = Refs(("refs/heads/main", A), ("refs/heads/old", A), ("refs/tags/v1", A));
        var wanted = Refs(("refs/heads/main", B), ("refs/heads/new", B), ("refs/tags/v1", A), ("refs/notes/commits", C));

        var plan = RefUpdatePlan.Between(before, wanted, Filter())!;

        Assert.Equal(
            [new RefUpdate("refs/heads/main", A, B), new RefUpdate("refs/heads/new", null, B), new RefUpdate("refs/notes/commits", null, C), new RefUpdate("refs/heads/old", A, null)],
            plan.Updates);
        Assert.Equal([B, C], plan.ObjectsToFetch);
        Assert.Equal(wanted.Refs, plan.AfterRefs);
        Assert.False(plan.ReplacesNames);
    }

    [Fact]
    public void Between_LeavesWhatTheMirrorDoesNotTake_ReviewRefsBranchesTheFilterSkipsAndTagsWhenTagsAreOff()
    {
        var before = Refs(("refs/heads/main", A), ("refs/heads/wip", A), ("refs/pull/1/head", A), ("refs/tags/v1", A));
        var wanted = Refs(("refs/heads/main", A));

        var plan = RefUpdatePlan.Between(before, wanted, Filter(branches: "^main$", tags: false))!;

        Assert.Empty(plan.Updates);
        Assert.Equal(before.Refs, plan.AfterRefs);
    }

    [Theory]
    [InlineData("refs/heads/feature", "refs/heads/feature/next")]
    [InlineData("refs/heads/feature/next", "refs/heads/feature")]
    public void ReplacesNames_WhenARefGivesWayToOneBeneathOrAboveItsName(string deleted, string created)
    {
        var plan = RefUpdatePlan.Between(Refs((deleted, A)), Refs((created, B)), Filter())!;

        Assert.True(plan.ReplacesNames);
    }

    [Fact]
    public void ReplacesNames_NotForNamesThatOnlyShareAPrefix()
    {
        var plan = RefUpdatePlan.Between(Refs(("refs/heads/feature", A)), Refs(("refs/heads/feature-2", B)), Filter())!;

        Assert.False(plan.ReplacesNames);
    }

    [Theory]
    [InlineData("not-an-object-id")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")]
    public void Between_IsNull_WhenTheUpstreamListedSomethingThatIsNotAnObjectId(string sha)
    {
        Assert.Null(RefUpdatePlan.Between(RefSnapshot.Empty, Refs(("refs/heads/main", sha)), Filter()));
    }
}
