using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Experiments;

/// <summary>What the Experiments tab's runs table can show as columns: every param and metric key of an experiment's active runs.</summary>
public sealed record RunColumns(IReadOnlyList<string> ParamKeys, IReadOnlyList<string> MetricKeys, int ActiveRuns);

/// <summary>
/// The keys an experiment's runs were logged with, and how many active runs it has, answered by the database
/// (DISTINCT and COUNT) rather than by loading the runs: the table pages through runs, its column chooser needs them all.
/// </summary>
public sealed class RunColumnsService(PortalDbContext db)
{
    /// <summary>More keys than this are not offered (an experiment logged with generated keys would flood the chooser).</summary>
    public const int MaxKeys = 500;

    public async Task<RunColumns> ForExperimentAsync(long repositoryId, long experimentId, CancellationToken cancellationToken)
    {
        var runIds = db.TrackingRuns.Where(r => r.RepositoryId == repositoryId && r.ExperimentId == experimentId && r.LifecycleStage == "active").Select(r => r.Id);
        // SQLite compares text by bytes, so the order is the ordinal one the table uses everywhere else.
        var paramKeys = await db.TrackingParams.Where(p => runIds.Contains(p.RunId)).Select(p => p.Key).Distinct().OrderBy(k => k).Take(MaxKeys).ToListAsync(cancellationToken);
        var metricKeys = await db.TrackingLatestMetrics.Where(m => runIds.Contains(m.RunId)).Select(m => m.Key).Distinct().OrderBy(k => k).Take(MaxKeys).ToListAsync(cancellationToken);
        return new RunColumns(paramKeys, metricKeys, await runIds.CountAsync(cancellationToken));
    }
}
