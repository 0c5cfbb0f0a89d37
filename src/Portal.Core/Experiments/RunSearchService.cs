using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Experiments;

/// <summary>
/// MLflow's runs/search for one repository: the runs of some experiments that match a filter
/// (<see cref="RunFilter"/>), ordered by metrics, params, tags or attributes, one page at a time. Filtering, ordering
/// and paging happen in SQL (<see cref="RunSearchSql"/>): memory holds one page of runs, however many the experiments have.
/// </summary>
public sealed class RunSearchService(PortalDbContext db)
{
    public async Task<Outcome<(IReadOnlyList<TrackingRun> Runs, string? NextPageToken)>> SearchAsync(long repositoryId, IReadOnlyList<string> experimentIds, string? filter, string? viewType, int maxResults, IReadOnlyList<string> orderBy, string? pageToken, CancellationToken cancellationToken)
    {
        var parsed = RunFilter.Parse(filter);
        if (!parsed.Succeeded)
        {
            return parsed.Error!;
        }

        var ids = experimentIds.Select(e => long.TryParse(e, out var id) ? id : -1).ToList();
        var first = ids.FirstOrDefault();

        // One experiment (the common case) as an equality, so SQLite walks the run index in order instead of sorting.
        var query = ids.Count == 1
            ? db.TrackingRuns.AsNoTracking().Where(r => r.RepositoryId == repositoryId && r.ExperimentId == first)
            : db.TrackingRuns.AsNoTracking().Where(r => r.RepositoryId == repositoryId && ids.Contains(r.ExperimentId));
        query = (viewType ?? "ACTIVE_ONLY").ToUpperInvariant() switch
        {
            "DELETED_ONLY" => query.Where(r => r.LifecycleStage == "deleted"),
            "ALL" => query,
            _ => query.Where(r => r.LifecycleStage == "active"),
        };
        var filtered = parsed.Value!.Apply(query, db);
        var found = RunSearchSql.SingleMetric(orderBy) is { } metric
            ? await RunSearchSql.PageByMetricAsync(filtered, db, metric.Key, metric.Descending, pageToken, TrackingQueries.PageSize(maxResults), cancellationToken)
            : await PageAsync(filtered, orderBy, pageToken, maxResults, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        // Only the page's runs are loaded with their data, inputs and outputs included, as MLflow's search answers them.
        var (pageIds, next) = found.Value;
        var loaded = await db.RunsWithData().Include(r => r.DatasetInputs).ThenInclude(i => i.Tags).Include(r => r.Models).AsNoTracking()
            .Where(r => pageIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        IReadOnlyList<TrackingRun> page = [.. pageIds.Where(loaded.ContainsKey).Select(id => loaded[id])];
        return (page, next);
    }

    /// <summary>The database filters, sorts and pages and answers only the page's ids.</summary>
    private async Task<Outcome<(IReadOnlyList<string> Items, string? NextPageToken)>> PageAsync(IQueryable<TrackingRun> runs, IReadOnlyList<string> orderBy, string? pageToken, int maxResults, CancellationToken cancellationToken)
    {
        var ordered = RunSearchSql.Order(runs, db, orderBy);
        return ordered.Succeeded
            ? await ordered.Value!.Select(r => r.Id).PageAsync(pageToken, TrackingQueries.PageSize(maxResults), cancellationToken)
            : ordered.Error!;
    }
}
