using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.ModelRegistry;

namespace Portal.Core.Experiments;

/// <summary>
/// runs/search as SQL: filter conditions (<see cref="RunFilterClause.Apply"/> builds them from these) and MLflow's
/// ordering, so SQLite filters, sorts and pages and only one page of runs is ever read. Values reach SQL as parameters.
/// </summary>
internal static class RunSearchSql
{
    /// <summary><paramref name="test"/> applied to <paramref name="field"/>: one lambda, as EF Core translates it.</summary>
    public static Expression<Func<T, bool>> On<T, TField>(Expression<Func<T, TField>> field, Expression<Func<TField, bool>> test) =>
        Expression.Lambda<Func<T, bool>>(new Substitute(test.Parameters[0], field.Body).Visit(test.Body), field.Parameters);

    /// <summary>A whole-number column as a double, as the in-memory test compares it (SQL: CAST AS REAL).</summary>
    public static Expression<Func<TrackingRun, double?>> AsDouble(Expression<Func<TrackingRun, long?>> field) =>
        Expression.Lambda<Func<TrackingRun, double?>>(Expression.Convert(field.Body is UnaryExpression { NodeType: ExpressionType.Convert } lifted ? lifted.Operand : field.Body, typeof(double?)), field.Parameters);

    /// <summary>
    /// A number test. For a metric (<paramref name="nullIsNaN"/>) NULL is NaN, which compares below every number (as
    /// <see cref="double.CompareTo(double)"/>): it passes &lt;, &lt;= and !=. For an attribute NULL is "not set" and passes nothing.
    /// </summary>
    public static Expression<Func<double?, bool>> NumberTest(FilterOperator op, double value, bool nullIsNaN) => (op, nullIsNaN) switch
    {
        (FilterOperator.Equal, _) => v => v == value,
        (FilterOperator.NotEqual, true) => v => v == null || v != value,
        (FilterOperator.NotEqual, false) => v => v != null && v != value,
        (FilterOperator.Less, true) => v => v == null || v < value,
        (FilterOperator.Less, false) => v => v < value,
        (FilterOperator.LessOrEqual, true) => v => v == null || v <= value,
        (FilterOperator.LessOrEqual, false) => v => v <= value,
        (FilterOperator.Greater, _) => v => v > value,
        _ => v => v >= value,
    };

    /// <summary>
    /// A string test: =, !=, IN, NOT IN exact (SQLite's BINARY collation); LIKE case-sensitive as GLOB (SQLite's LIKE
    /// ignores ASCII case), with GLOB's own * ? [ made literal; ILIKE as SQLite's LIKE, which ignores ASCII case only.
    /// Neither has an escape character, as in MLflow: '%' and '_' are always wildcards.
    /// </summary>
    public static Expression<Func<string, bool>> StringTest(FilterOperator op, IReadOnlyList<string> values)
    {
        var value = values[0];
        var list = values.ToList();
        var glob = RegistryQuery.LikeToGlob(value);
        return op switch
        {
            FilterOperator.Equal => s => s == value,
            FilterOperator.NotEqual => s => s != value,
            FilterOperator.In => s => list.Contains(s),
            FilterOperator.NotIn => s => !list.Contains(s),
            FilterOperator.Like => s => EF.Functions.Glob(s, glob),
            _ => s => EF.Functions.Like(s, value),
        };
    }

    /// <summary>
    /// MLflow's run ordering (SqlAlchemyStore._get_orderby_clauses): each order_by field in turn, runs lacking it last
    /// whether ASC or DESC (and for a metric, NaN after every number but before "lacking"); then start_time DESC unless
    /// ordered already, then run id: a total order, so offset paging visits every run exactly once.
    /// </summary>
    public static Outcome<IOrderedQueryable<TrackingRun>> Order(IQueryable<TrackingRun> runs, PortalDbContext db, IReadOnlyList<string> orderBy)
    {
        IOrderedQueryable<TrackingRun>? ordered = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var clause in orderBy.Where(o => !string.IsNullOrWhiteSpace(o)))
        {
            var parsed = ParseOrder(clause);
            if (!parsed.Succeeded)
            {
                return parsed.Error!;
            }

            var (entity, key, descending) = parsed.Value;
            if (!seen.Add($"{entity}.{key}"))
            {
                return PortalError.Invalid($"`order_by` contains duplicate fields: {Shorten(clause)} names a field already ordered by.");
            }

            ordered = entity switch
            {
                FilterEntity.Metric => OrderByMetric(runs, ordered, db.TrackingLatestMetrics.Where(m => m.Key == key), descending),
                FilterEntity.Param => OrderByValue(runs, ordered, db.TrackingParams.Where(p => p.Key == key).Select(p => new KeyedValue { RunId = p.RunId, Value = p.Value }), descending),
                FilterEntity.Tag => OrderByValue(runs, ordered, db.TrackingRunTags.Where(t => t.Key == key).Select(t => new KeyedValue { RunId = t.RunId, Value = t.Value }), descending),
                _ => OrderByAttribute(runs, ordered, key, descending),
            };
        }

        if (!seen.Contains($"{FilterEntity.Attribute}.start_time"))
        {
            ordered = runs.Then(ordered, r => r.StartTime, descending: true);
        }

        return Outcome<IOrderedQueryable<TrackingRun>>.Success(runs.Then(ordered, r => r.Id, descending: false));
    }

    /// <summary>
    /// The one metric of an order_by that names only a metric (the common "best runs first"), for which
    /// <see cref="PageByMetricAsync"/> walks the metric's (Key, Value) index instead of sorting every run.
    /// </summary>
    public static (string Key, bool Descending)? SingleMetric(IReadOnlyList<string> orderBy)
    {
        var clauses = orderBy.Where(o => !string.IsNullOrWhiteSpace(o)).ToList();
        return clauses.Count == 1 && ParseOrder(clauses[0]) is { Succeeded: true, Value: { Entity: FilterEntity.Metric } metric }
            ? (metric.Key, metric.Descending)
            : null;
    }

    /// <summary>
    /// One page of run ids ordered by one metric, in MLflow's order (see <see cref="Order"/>) read as three runs of
    /// rows, each from an index in order: runs with a number (the metric's (Key, Value) index, tie-broken by start_time
    /// DESC and id), then runs whose value is NaN, then runs lacking the metric. A segment is counted only when the page
    /// starts beyond it.
    /// </summary>
    public static async Task<Outcome<(IReadOnlyList<string> Items, string? NextPageToken)>> PageByMetricAsync(IQueryable<TrackingRun> runs, PortalDbContext db, string key, bool descending, string? pageToken, int size, CancellationToken cancellationToken)
    {
        var offset = TrackingQueries.PageOffset(pageToken);
        if (!offset.Succeeded)
        {
            return offset.Error!;
        }

        var metric = db.TrackingLatestMetrics.Where(m => m.Key == key);
        var numbers = metric.Where(m => m.StoredValue != null && runs.Any(r => r.Id == m.RunId));
        var byValue = descending ? numbers.OrderByDescending(m => m.StoredValue) : numbers.OrderBy(m => m.StoredValue);
        IQueryable<string>[] segments =
        [
            byValue.ThenByDescending(m => db.TrackingRuns.Where(r => r.Id == m.RunId).Select(r => r.StartTime).FirstOrDefault()).ThenBy(m => m.RunId).Select(m => m.RunId),
            runs.Where(r => metric.Any(m => m.RunId == r.Id && m.StoredValue == null)).OrderByDescending(r => r.StartTime).ThenBy(r => r.Id).Select(r => r.Id),
            runs.Where(r => !metric.Any(m => m.RunId == r.Id)).OrderByDescending(r => r.StartTime).ThenBy(r => r.Id).Select(r => r.Id),
        ];
        var ids = new List<string>();
        var skip = offset.Value;
        foreach (var segment in segments)
        {
            var read = await segment.Skip(skip).Take(size + 1 - ids.Count).ToListAsync(cancellationToken);
            ids.AddRange(read);
            if (ids.Count > size)
            {
                break;
            }

            // The page began in this segment (the next one is read from its start) or lies wholly beyond it.
            skip = read.Count > 0 ? 0 : skip - await segment.CountAsync(cancellationToken);
        }

        return TrackingQueries.Page(ids, offset.Value, size);
    }

    /// <summary>"metrics.loss", "params.`my key` DESC", "attributes.start_time ASC".</summary>
    private static Outcome<(FilterEntity Entity, string Key, bool Descending)> ParseOrder(string clause)
    {
        var text = clause.Trim();
        var descending = false;
        foreach (var (suffix, isDescending) in new[] { (" DESC", true), (" ASC", false) })
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                text = text[..^suffix.Length].TrimEnd();
                descending = isDescending;
                break;
            }
        }

        var dot = text.IndexOf('.');
        var key = dot < 0 ? "" : text[(dot + 1)..].Trim();
        if (key.Length > 1 && key[0] is '`' or '"' && key[^1] == key[0])
        {
            key = key[1..^1];
        }

        FilterEntity? entity = dot < 0 ? null : text[..dot].Trim().ToLowerInvariant() switch
        {
            "metrics" or "metric" => FilterEntity.Metric,
            "params" or "param" or "parameters" or "parameter" => FilterEntity.Param,
            "tags" or "tag" => FilterEntity.Tag,
            "attributes" or "attribute" or "attr" or "run" => FilterEntity.Attribute,
            _ => null,
        };
        if (entity is null || key.Length == 0)
        {
            return PortalError.Invalid($"Invalid order_by clause '{Shorten(clause)}': expected e.g. metrics.loss ASC or attributes.start_time DESC.");
        }

        if (entity == FilterEntity.Attribute)
        {
            if (RunAttributes.Text(key) is null && RunAttributes.Number(key) is null)
            {
                return PortalError.Invalid($"Invalid order_by clause '{Shorten(clause)}': order by one of the attributes {RunAttributes.Names}, or by a metric, param or tag.");
            }

            key = RunAttributes.Canonical(key);
        }

        return (entity.Value, key, descending);
    }

    private static IOrderedQueryable<TrackingRun> OrderByMetric(IQueryable<TrackingRun> runs, IOrderedQueryable<TrackingRun>? ordered, IQueryable<TrackingLatestMetric> metric, bool descending)
    {
        // 0: a number, 1: NaN (stored as NULL), 2: the run has no such metric; always ascending, as MLflow's CASE.
        ordered = runs.Then(ordered, r => metric.Where(m => m.RunId == r.Id).Select(m => (int?)(m.StoredValue == null ? 1 : 0)).FirstOrDefault() ?? 2, descending: false);
        return runs.Then(ordered, r => metric.Where(m => m.RunId == r.Id).Select(m => m.StoredValue).FirstOrDefault(), descending);
    }

    private static IOrderedQueryable<TrackingRun> OrderByValue(IQueryable<TrackingRun> runs, IOrderedQueryable<TrackingRun>? ordered, IQueryable<KeyedValue> values, bool descending)
    {
        ordered = runs.Then(ordered, r => values.Any(v => v.RunId == r.Id) ? 0 : 1, descending: false);
        return runs.Then(ordered, r => values.Where(v => v.RunId == r.Id).Select(v => v.Value).FirstOrDefault(), descending);
    }

    private static IOrderedQueryable<TrackingRun> OrderByAttribute(IQueryable<TrackingRun> runs, IOrderedQueryable<TrackingRun>? ordered, string key, bool descending)
    {
        if (RunAttributes.Text(key) is { } text)
        {
            return runs.Then(ordered, text, descending);
        }

        if (key == "end_time")
        {
            ordered = runs.Then(ordered, r => r.EndTime == null ? 1 : 0, descending: false);
        }

        return runs.Then(ordered, RunAttributes.Number(key)!, descending);
    }

    private static string Shorten(string clause) => clause.Length > 60 ? clause[..60] + "…" : clause;

    /// <summary>A param's or tag's value with its run, so one ordering serves both (member-init, so EF Core can see through it).</summary>
    private sealed class KeyedValue
    {
        public required string RunId { get; init; }

        public required string Value { get; init; }
    }

    private sealed class Substitute(ParameterExpression parameter, Expression replacement) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == parameter ? replacement : node;
    }
}
