using System.Net;
using System.Security.Cryptography;
using Portal.Testing;

namespace Portal.Tests.GitHttp;

/// <summary>
/// <c>git lfs lock</c>, <c>locks</c> and <c>unlock</c> with the real git-lfs client against a running Portal: a lock is
/// its holder's until they release it; another developer can neither take nor release it, nor push over it; a
/// maintainer can force it open.
/// </summary>
public sealed class LfsLockTests(HostedPortalFixture fixture) : IClassFixture<HostedPortalFixture>
{
    [Fact]
    public async Task LockListUnlock_AndForceByAMaintainer_WithTheGitLfsClient()
    {
        var owner = await fixture.CreateUserAsync("owner");
        var alice = await fixture.CreateUserAsync("alice");
        var bob = await fixture.CreateUserAsync("bob");
        var boss = await fixture.CreateUserAsync("boss");
        var org = await fixture.CreateOrganizationAsync(owner, (alice, "developer"), (bob, "developer"), (boss, "maintainer"));
        var name = await fixture.CreateHostedAsync(owner, org);
        using (var seed = new WorkingCopy())
        {
            TestGit.Run(seed.Path, "lfs", "install", "--local");
            TestGit.Run(seed.Path, "lfs", "track", "--lockable", "*.bin");
            TestGit.Run(seed.Path, "add", ".gitattributes");
            seed.Commit("model.bin", RandomNumberGenerator.GetBytes(1000));
            TestGit.Run(seed.Path, "push", "--quiet", fixture.Url(org, name, owner), "main");
        }

        using var aliceCopy = Clone(org, name, alice);
        using var bobCopy = Clone(org, name, bob);
        using var bossCopy = Clone(org, name, boss);

        var locked = aliceCopy.Git("lfs", "lock", "model.bin");
        Assert.True(locked.ExitCode == 0, locked.Output);
        Assert.Contains("Locked model.bin", locked.Output);
        var listed = bobCopy.Git("lfs", "locks");
        Assert.True(listed.ExitCode == 0, listed.Output);
        Assert.Contains("model.bin", listed.Output);
        Assert.Contains(alice.Name, listed.Output);

        // Bob cannot take it, release it, force it open, or push a change to the locked file.
        Assert.NotEqual(0, bobCopy.Git("lfs", "lock", "model.bin").ExitCode);
        Assert.NotEqual(0, bobCopy.Git("lfs", "unlock", "model.bin").ExitCode);
        Assert.NotEqual(0, bobCopy.Git("lfs", "unlock", "--force", "model.bin").ExitCode);
        bobCopy.Git("config", "lfs.locksverify", "true");
        File.WriteAllBytes(Path.Combine(bobCopy.Path, "model.bin"), RandomNumberGenerator.GetBytes(1000));
        TestGit.Run(bobCopy.Path, "commit", "--quiet", "-am", "Bob's model");
        var pushed = bobCopy.Git("push", "origin", "main");
        Assert.NotEqual(0, pushed.ExitCode);
        Assert.Contains("model.bin", pushed.Output);
        Assert.Contains(alice.Name, TestGit.Run(aliceCopy.Path, "lfs", "locks"));

        // The maintainer forces it open; then Alice locks and releases it herself.
        var forced = bossCopy.Git("lfs", "unlock", "--force", "model.bin");
        Assert.True(forced.ExitCode == 0, forced.Output);
        Assert.DoesNotContain("model.bin", TestGit.Run(aliceCopy.Path, "lfs", "locks"));
        Assert.Equal(0, aliceCopy.Git("lfs", "lock", "model.bin").ExitCode);
        var released = aliceCopy.Git("lfs", "unlock", "model.bin");
        Assert.True(released.ExitCode == 0, released.Output);
        Assert.DoesNotContain("model.bin", TestGit.Run(bobCopy.Path, "lfs", "locks"));
    }

    [Fact]
    public async Task Readers_MayListButNotLock_AndAnonymousCallersAreAskedToSignIn()
    {
        var owner = await fixture.CreateUserAsync("owner");
        var reader = await fixture.CreateUserAsync("reader");
        var org = await fixture.CreateOrganizationAsync(owner, (reader, "reader"));
        var name = await fixture.CreateHostedAsync(owner, org);
        using var ownerClient = fixture.BasicClient(owner.Name, owner.Token);
        using var readerClient = fixture.BasicClient(reader.Name, reader.Token);
        using var anonymous = fixture.AnonymousClient();
        var locks = $"{org}/{name}.git/info/lfs/locks";

        var created = await ownerClient.PostAsJsonAsync(locks, new { path = "data/set.bin", @ref = new { name = "refs/heads/main" } });
        var again = await ownerClient.PostAsJsonAsync(locks, new { path = "data/set.bin" });
        var byReader = await readerClient.PostAsJsonAsync(locks, new { path = "other.bin" });
        var readerList = await readerClient.GetStringAsync(locks);
        var byNobody = await anonymous.GetAsync(locks);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains(owner.Name, await again.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, byReader.StatusCode);
        Assert.Contains("data/set.bin", readerList);
        Assert.DoesNotContain("other.bin", readerList);
        Assert.Equal(HttpStatusCode.Unauthorized, byNobody.StatusCode);
        Assert.True(byNobody.Headers.Contains("LFS-Authenticate"));
    }

    private WorkingCopy Clone(string owner, string name, GitUser user)
    {
        var copy = new WorkingCopy(fixture.Url(owner, name, user));
        TestGit.Run(copy.Path, "lfs", "install", "--local");
        TestGit.Run(copy.Path, "config", "user.name", user.Name);
        return copy;
    }
}
