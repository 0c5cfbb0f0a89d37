using Portal.Core.Mirroring;

namespace Portal.Tests.Mirroring;

/// <summary>The release count a sync compares to reuse its unlocked ref read: every writer that held the lock in between counts.</summary>
public sealed class RepositoryLocksTests
{
    [Fact]
    public async Task Releases_CountsEachWriterOnce_PerRepository()
    {
        var locks = new RepositoryLocks();
        Assert.Equal(0, locks.Releases(7));

        var held = await locks.AcquireAsync(7, CancellationToken.None);
        // Held but not yet released: a ref read begun now may miss what this writer is doing, and must be redone.
        var seenWhileHeld = locks.Releases(7);
        held.Dispose();
        held.Dispose();
        Assert.NotEqual(seenWhileHeld, locks.Releases(7));
        Assert.Equal(1, locks.Releases(7));

        using (await locks.AcquireAsync(7, CancellationToken.None))
        {
        }

        Assert.Equal(2, locks.Releases(7));
        Assert.Equal(0, locks.Releases(8));
    }
}
