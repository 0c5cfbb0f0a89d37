using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Experiments;

/// <summary>
/// MLflow's runs/search for one repository: the runs of some experiments that match a filter
/// (<see cref="RunFilter"/>), ordered by metrics, params, tags or attributes, one page at a time.
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
        var query = db.RunsWithData().AsNoTracking().Where(r => r.RepositoryId == repositoryId && ids.Contains(r.ExperimentId));
        query = (viewType ?? "ACTIVE_ONLY").ToUpperInvariant() switch
        {
            "DELETED_ONLY" => query.Where(r => r.LifecycleStage == "deleted"),
            "ALL" => query,
            _ => query.Where(r => r.LifecycleStage == "active"),
        };
        var runs = (await query.ToListAsync(cancellationToken)).Where(parsed.Value!.Matches);
        var ordered = Order(runs, orderBy);
        if (!ordered.Succeeded)
        {
            return ordered.Error!;
        }

        var offset = TrackingQueries.PageOffset(pageToken);
        var size = TrackingQueries.PageSize(maxResults);
        return TrackingQueries.Page(ordered.Value!.Skip(offset).Take(size + 1).ToList(), offset, size);
    }

    private static Outcome<IEnumerable<TrackingRun>> Order(IEnumerable<TrackingRun> runs, IReadOnlyList<string> orderBy)
    {
        IOrderedEnumerable<TrackingRun>? ordered = null;
        foreach (var clause in orderBy.Where(o => !string.IsNullOrWhiteSpace(o)))
        {
            var parts = clause.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var descending = parts.Length > 1 && parts[^1].Equals("DESC", StringComparison.OrdinalIgnoreCase);
            var field = parts[0];
            var dot = field.IndexOf('.');
            if (dot < 0)
            {
                return PortalError.Invalid($"Invalid order_by clause '{clause}': expected e.g. metrics.loss ASC or attributes.start_time DESC.");
            }

            var (entity, key) = (field[..dot].ToLowerInvariant(), field[(dot + 1)..].Trim('`', '"'));
            Func<TrackingRun, IComparable?> selector = entity switch
            {
                "metrics" or "metric" => r => r.LatestMetrics.FirstOrDefault(m => m.Key == key)?.Value,
                "params" or "param" => r => r.Params.FirstOrDefault(p => p.Key == key)?.Value,
                "tags" or "tag" => r => r.Tags.FirstOrDefault(t => t.Key == key)?.Value,
                _ => key switch
                {
                    "start_time" => r => r.StartTime,
                    "end_time" => r => r.EndTime,
                    "status" => r => r.Status,
                    "run_name" => r => r.RunName,
                    _ => r => r.Id,
                },
            };
            ordered = ordered is null
                ? descending ? runs.OrderByDescending(selector) : runs.OrderBy(selector)
                : descending ? ordered.ThenByDescending(selector) : ordered.ThenBy(selector);
        }

        var result = ordered is null ? runs.OrderByDescending(r => r.StartTime) : ordered.ThenByDescending(r => r.StartTime);
        return Outcome<IEnumerable<TrackingRun>>.Success(result.ThenBy(r => r.Id));
    }
}
