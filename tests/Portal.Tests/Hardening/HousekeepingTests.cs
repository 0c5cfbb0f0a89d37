using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Core.Repositories;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hardening;

/// <summary>What interrupted work leaves in a repository is removed once stale, and nothing current is touched.</summary>
[Trait("Category", "Hardening")]
public sealed class HousekeepingTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task StaleQuarantinesAndTemporaryPacks_AreRemoved_FreshOnesKept()
    {
        var objects = Path.Combine(portal.DataDir, "repositories", "4242.git", "objects");
        var staleQuarantine = Directory.CreateDirectory(Path.Combine(objects, "tmp_objdir-incoming-aaaaaa")).FullName;
        var freshQuarantine = Directory.CreateDirectory(Path.Combine(objects, "tmp_objdir-incoming-bbbbbb")).FullName;
        Directory.CreateDirectory(Path.Combine(objects, "pack"));
        var stalePack = Path.Combine(objects, "pack", "tmp_pack_old");
        var freshPack = Path.Combine(objects, "pack", "tmp_pack_new");
        var realPack = Path.Combine(objects, "pack", "pack-1234.pack");
        foreach (var file in new[] { stalePack, freshPack, realPack })
        {
            await File.WriteAllTextAsync(file, "x");
        }

        var old = DateTime.UtcNow.AddHours(-3);
        Directory.SetLastWriteTimeUtc(staleQuarantine, old);
        File.SetLastWriteTimeUtc(stalePack, old);
        File.SetLastWriteTimeUtc(realPack, old);
        var housekeeping = portal.Services.GetServices<IHostedService>().OfType<RepositoryHousekeeping>().Single();

        await housekeeping.RunAsync(CancellationToken.None);

        Assert.False(Directory.Exists(staleQuarantine));
        Assert.False(File.Exists(stalePack));
        Assert.True(Directory.Exists(freshQuarantine));
        Assert.True(File.Exists(freshPack));
        Assert.True(File.Exists(realPack));
    }
}
