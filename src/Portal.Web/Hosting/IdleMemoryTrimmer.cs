using System.Runtime.InteropServices;

namespace Portal.Web.Hosting;

/// <summary>
/// Decides when Portal has gone quiet after work, from samples of the bytes it has allocated so far and of what the
/// garbage collector holds. Once per quiet spell, and only when the collector holds noticeably more than it uses.
/// </summary>
public sealed class QuietAfterWork(long quietBytesPerSample, int quietSamples, long minimumSlackBytes)
{
    private long? lastAllocated;
    private int quietInARow;
    private bool trimmedThisSpell;

    /// <summary>
    /// One sample: true when the last <c>quietSamples</c> samples each allocated fewer than <c>quietBytesPerSample</c>,
    /// nothing was given back since work last ran, and committed memory exceeds the heap by at least
    /// <c>minimumSlackBytes</c>.
    /// </summary>
    public bool ShouldTrim(long totalAllocatedBytes, long committedBytes, long heapBytes)
    {
        var allocated = lastAllocated is { } last ? totalAllocatedBytes - last : long.MaxValue;
        lastAllocated = totalAllocatedBytes;
        if (allocated >= quietBytesPerSample)
        {
            quietInARow = 0;
            trimmedThisSpell = false;
            return false;
        }

        quietInARow++;
        if (trimmedThisSpell || quietInARow < quietSamples || committedBytes - heapBytes < minimumSlackBytes)
        {
            return false;
        }

        trimmedThisSpell = true;
        return true;
    }
}

/// <summary>
/// Gives memory back to the operating system when Portal goes quiet after work (issue 17: RSS under 300 MiB, flat).
/// The server collector keeps the regions a burst of imports, clones or page renders committed, and runs no collection
/// while nothing allocates, so the resident size only ever rose: measured, 45–50 MiB of committed but unused heap after
/// imports, syncs, clones and pages, which one aggressive collection returns (RSS 279 → 238 MiB). It runs on the second
/// quiet sample after work (Portal allocating under 1 MiB a second, about two seconds after the work ended), at most once
/// per quiet spell. Quiet is measured by allocation only: a clone being served or a long index-pack allocates little in
/// Portal, so the collection may run during one; it pauses Portal's threads once, not git's. glibc's allocator then keeps
/// the native memory the runtime freed (the JIT's, the collector's bookkeeping) in its arenas: <c>malloc_trim</c> returns
/// another 7–13 MiB.
/// </summary>
public sealed class IdleMemoryTrimmer(TimeProvider clock, ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    private static readonly TimeSpan SamplePeriod = TimeSpan.FromSeconds(1);

    // Idle Portal (circuits' keep-alives, the scheduler's pass) allocates well under this per second; an import,
    // a sync or a page allocates more.
    private const long QuietBytesPerSecond = 1 << 20;

    // Below this the collector's slack is its ordinary working room, not a burst's leftovers.
    private const long MinimumSlackBytes = 16 << 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var quiet = new QuietAfterWork(QuietBytesPerSecond, quietSamples: 2, MinimumSlackBytes);
        using var timer = new PeriodicTimer(SamplePeriod, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var info = GC.GetGCMemoryInfo();
                if (quiet.ShouldTrim(GC.GetTotalAllocatedBytes(), info.TotalCommittedBytes, info.HeapSizeBytes))
                {
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    TrimNativeHeap();
                    logger.LogDebug("Quiet after work: the heap's committed memory went from {Before} to {After} MiB", info.TotalCommittedBytes >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private static bool nativeTrimMissing;

    private static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux() || nativeTrimMissing)
        {
            return;
        }

        try
        {
            MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without malloc_trim (musl): the managed heap was given back all the same.
            nativeTrimMissing = true;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}

/// <summary>Registers <see cref="IdleMemoryTrimmer"/>.</summary>
public static class IdleMemoryTrimmerExtensions
{
    public static IServiceCollection AddIdleMemoryTrimmer(this IServiceCollection services) =>
        services.AddHostedService<IdleMemoryTrimmer>();
}
