using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Git;
using Portal.Core.Hosting;

namespace Portal.Core.Repositories;

/// <summary>Settings under <c>Portal:Housekeeping</c>.</summary>
public sealed class HousekeepingOptions
{
    public const string Section = "Portal:Housekeeping";

    public TimeSpan Period { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A repository with more packs than this is repacked into one.</summary>
    public int MaxPacks { get; set; } = 20;
}

/// <summary>
/// Clears what interrupted work leaves behind (half-imported folders, ssh key folders, git's tmp_pack_* files from a
/// cut fetch), repacks repositories whose packs pile up, and drops deploy keys that were never used.
/// </summary>
public sealed class RepositoryHousekeeping(
    DataDirectory dataDir,
    GitRunner git,
    IServiceScopeFactory scopes,
    TimeProvider clock,
    IOptions<HousekeepingOptions> options,
    ILogger<RepositoryHousekeeping> logger) : BackgroundService
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Nothing else runs yet at start-up: everything in tmp/ belongs to a process that is gone.
        ClearTempFolder(olderThan: TimeSpan.Zero);
        using var timer = new PeriodicTimer(options.Value.Period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ClearTempFolder(StaleAfter);
        foreach (var repository in Directory.EnumerateDirectories(dataDir.RepositoriesPath, "*.git"))
        {
            RemoveStaleTemporaryPacks(repository);
            var packs = Directory.Exists(Path.Combine(repository, "objects", "pack"))
                ? Directory.EnumerateFiles(Path.Combine(repository, "objects", "pack"), "*.pack").Count()
                : 0;
            if (packs > options.Value.MaxPacks)
            {
                var result = await git.RunAsync(GitCommand.Create("repack").Option("-a").Option("-d").Option("-q").Option("--write-bitmap-index"), repository, TimeSpan.FromHours(1), cancellationToken);
                if (!result.Succeeded)
                {
                    logger.LogWarning("Repack of {Repository} failed: {Error}", repository, result.ErrorMessage);
                }
            }
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var expired = clock.GetUtcNow().UtcDateTime - TimeSpan.FromDays(1);
        await db.PendingDeployKeys.Where(k => k.CreatedAt < expired).ExecuteDeleteAsync(cancellationToken);
    }

    private void ClearTempFolder(TimeSpan olderThan)
    {
        var cutoff = DateTime.UtcNow - olderThan;
        foreach (var entry in new DirectoryInfo(dataDir.TempPath).EnumerateFileSystemInfos())
        {
            if (entry.LastWriteTimeUtc > cutoff && olderThan > TimeSpan.Zero)
            {
                continue;
            }

            try
            {
                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
            catch (IOException exception)
            {
                logger.LogWarning(exception, "Could not remove {Path}", entry.FullName);
            }
        }
    }

    private void RemoveStaleTemporaryPacks(string repository)
    {
        // A push killed mid-way leaves git's quarantine (objects/tmp_objdir-incoming-*) behind; refs never pointed into it.
        var objects = Path.Combine(repository, "objects");
        if (Directory.Exists(objects))
        {
            foreach (var quarantine in new DirectoryInfo(objects).EnumerateDirectories("tmp_objdir-incoming-*").Where(d => d.LastWriteTimeUtc < DateTime.UtcNow - StaleAfter))
            {
                quarantine.Delete(recursive: true);
            }
        }

        var packDir = Path.Combine(repository, "objects", "pack");
        if (!Directory.Exists(packDir))
        {
            return;
        }

        foreach (var file in new DirectoryInfo(packDir).EnumerateFiles("tmp_*"))
        {
            if (file.LastWriteTimeUtc < DateTime.UtcNow - StaleAfter)
            {
                file.Delete();
            }
        }
    }
}
