using Portal.Web.Hosting;

namespace Portal.Tests.Hosting;

/// <summary>When Portal gives memory back: once per quiet spell after work, never while working, never for little.</summary>
public sealed class QuietAfterWorkTests
{
    private const long Quiet = 1 << 20;
    private const long Slack = 16 << 20;
    private const long Heap = 40 << 20;

    [Fact]
    public void TrimsOnce_AfterTwoQuietSamples_ThenNotAgainUntilWorkHasRun()
    {
        var policy = new QuietAfterWork(Quiet, quietSamples: 2, Slack);
        var allocated = 0L;
        bool Sample(long bytes) => policy.ShouldTrim(allocated += bytes, Heap + Slack, Heap);

        Assert.False(Sample(100 << 20)); // the first sample only sets the baseline
        Assert.False(Sample(50 << 20));  // work
        Assert.False(Sample(1000));      // one quiet second
        Assert.True(Sample(1000));       // two: give back
        Assert.False(Sample(0));         // still the same quiet spell
        Assert.False(Sample(0));

        Assert.False(Sample(Quiet));     // work again (the threshold counts as work)
        Assert.False(Sample(0));
        Assert.True(Sample(0));
    }

    [Fact]
    public void KeepsTheCollectorsWorkingRoom_WhenItHoldsLittleMoreThanTheHeap()
    {
        var policy = new QuietAfterWork(Quiet, quietSamples: 2, Slack);
        Assert.False(policy.ShouldTrim(0, Heap + Slack - 1, Heap));
        Assert.False(policy.ShouldTrim(10, Heap + Slack - 1, Heap));
        Assert.False(policy.ShouldTrim(20, Heap + Slack - 1, Heap));

        // Still quiet, and now the slack is there: the spell has not been used yet.
        Assert.True(policy.ShouldTrim(30, Heap + Slack, Heap));
    }

    [Fact]
    public void WorkBetweenQuietSamples_StartsTheCountAgain()
    {
        var policy = new QuietAfterWork(Quiet, quietSamples: 3, Slack);
        var allocated = 0L;
        bool Sample(long bytes) => policy.ShouldTrim(allocated += bytes, Heap + 2 * Slack, Heap);

        Assert.False(Sample(0));
        Assert.False(Sample(0));
        Assert.False(Sample(0));
        Assert.False(Sample(8 << 20));
        Assert.False(Sample(0));
        Assert.False(Sample(0));
        Assert.True(Sample(0));
    }
}
