using System.Linq.Expressions;
using System.Text;
using Portal.Core.Data;

namespace Portal.Core.Experiments;

/// <summary>
/// MLflow's run search filter (https://mlflow.org/docs/latest/search-runs.html): clauses joined by AND, each
/// "(metrics|params|tags|attributes|datasets).KEY OP VALUE". Metrics and the time attributes compare numbers; params, tags
/// and the other attributes compare strings (=, !=, LIKE, ILIKE, IN, NOT IN). Keys may be quoted with backticks or
/// double quotes. The filter comes from anyone who can read the repository, so it is bounded
/// (<see cref="MaxLengthBytes"/>), parsed in one pass by <see cref="RunFilterParser"/> and run as SQL (LIKE as GLOB,
/// ILIKE as SQLite's LIKE, both without backtracking blow-up); <see cref="Matches"/> is the same test in memory, in
/// linear time (<see cref="LikePattern"/>). No regular expression ever sees a filter.
/// </summary>
public sealed class RunFilter
{
    /// <summary>The longest filter accepted, in UTF-8 bytes.</summary>
    public const int MaxLengthBytes = 4096;

    private readonly IReadOnlyList<RunFilterClause> clauses;

    internal RunFilter(IReadOnlyList<RunFilterClause> clauses)
    {
        this.clauses = clauses;
    }

    public static RunFilter All { get; } = new([]);

    public static Outcome<RunFilter> Parse(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return All;
        }

        var length = Encoding.UTF8.GetByteCount(filter);
        if (length > MaxLengthBytes)
        {
            return PortalError.Invalid($"The filter is {length:N0} bytes long; Portal accepts at most {MaxLengthBytes:N0}. Search with fewer or shorter clauses.");
        }

        return new RunFilterParser(filter).Parse();
    }

    /// <summary>The filter as SQL conditions on <paramref name="runs"/>: EXISTS subqueries on params, tags and latest metrics, attributes on their columns.</summary>
    internal IQueryable<TrackingRun> Apply(IQueryable<TrackingRun> runs, PortalDbContext db)
    {
        foreach (var clause in clauses)
        {
            runs = clause.Apply(runs, db);
        }

        return runs;
    }

    /// <summary>The same test in memory: the reference the SQL translation is tested against.</summary>
    public bool Matches(TrackingRun run)
    {
        foreach (var clause in clauses)
        {
            if (!clause.Matches(run))
            {
                return false;
            }
        }

        return true;
    }
}

internal enum FilterEntity
{
    Metric,
    Param,
    Tag,
    Attribute,
    Dataset,
}

internal enum FilterOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Like,
    ILike,
    In,
    NotIn,
}

/// <summary>
/// One "entity.key OP value" clause, with its value already parsed (a number, a string, a list or a LIKE pattern).
/// <see cref="Matches"/> tests a run in memory; <see cref="Apply"/> is the same test as SQL (see <see cref="RunSearchSql"/>),
/// so the database filters and no search loads the runs it does not return.
/// </summary>
internal abstract class RunFilterClause
{
    public abstract bool Matches(TrackingRun run);

    public abstract IQueryable<TrackingRun> Apply(IQueryable<TrackingRun> runs, PortalDbContext db);
}

/// <summary>A metric or a time attribute compared with a number. A NaN metric sorts below every number, as <see cref="double.CompareTo(double)"/> has it.</summary>
internal sealed class NumberClause : RunFilterClause
{
    private readonly string key;
    private readonly Expression<Func<TrackingRun, long?>>? attribute;
    private readonly Func<TrackingRun, double?> select;
    private readonly FilterOperator op;
    private readonly double value;

    /// <summary>A metric's latest value (<paramref name="attribute"/> null) or a time attribute, compared with <paramref name="value"/>.</summary>
    public NumberClause(string key, Expression<Func<TrackingRun, long?>>? attribute, FilterOperator op, double value)
    {
        this.key = key;
        this.attribute = attribute;
        this.op = op;
        this.value = value;
        if (attribute is null)
        {
            select = r => r.LatestMetrics.FirstOrDefault(m => m.Key == key)?.Value;
        }
        else
        {
            var compiled = attribute.Compile(preferInterpretation: true);
            select = r => compiled(r);
        }
    }

    public override bool Matches(TrackingRun run)
    {
        if (select(run) is not { } actual)
        {
            return false;
        }

        var comparison = actual.CompareTo(value);
        return op switch
        {
            FilterOperator.Equal => comparison == 0,
            FilterOperator.NotEqual => comparison != 0,
            FilterOperator.Less => comparison < 0,
            FilterOperator.LessOrEqual => comparison <= 0,
            FilterOperator.Greater => comparison > 0,
            _ => comparison >= 0,
        };
    }

    public override IQueryable<TrackingRun> Apply(IQueryable<TrackingRun> runs, PortalDbContext db)
    {
        if (attribute is not null)
        {
            return runs.Where(RunSearchSql.On(RunSearchSql.AsDouble(attribute), RunSearchSql.NumberTest(op, value, nullIsNaN: false)));
        }

        var name = key;
        var matching = db.TrackingLatestMetrics.Where(m => m.Key == name).Where(RunSearchSql.On<TrackingLatestMetric, double?>(m => m.StoredValue, RunSearchSql.NumberTest(op, value, nullIsNaN: true)));
        return runs.Where(r => matching.Any(m => m.RunId == r.Id));
    }
}

/// <summary>A param, tag or string attribute compared with a string, a list of strings or a LIKE pattern.</summary>
internal sealed class StringClause : RunFilterClause
{
    private readonly FilterEntity entity;
    private readonly string key;
    private readonly Expression<Func<TrackingRun, string>>? attribute;
    private readonly Func<TrackingRun, string?> select;
    private readonly StringComparand comparand;

    /// <summary>A param or tag (by <paramref name="key"/>) or, for <see cref="FilterEntity.Attribute"/>, the <paramref name="attribute"/> column.</summary>
    public StringClause(FilterEntity entity, string key, Expression<Func<TrackingRun, string>>? attribute, FilterOperator op, IReadOnlyList<string> values)
    {
        this.entity = entity;
        this.key = key;
        this.attribute = attribute;
        comparand = new StringComparand(op, values);
        if (attribute is not null)
        {
            var compiled = attribute.Compile(preferInterpretation: true);
            select = r => compiled(r);
        }
        else
        {
            select = entity == FilterEntity.Param ? r => r.Params.FirstOrDefault(p => p.Key == key)?.Value : r => r.Tags.FirstOrDefault(t => t.Key == key)?.Value;
        }
    }

    public override bool Matches(TrackingRun run) => select(run) is { } actual && comparand.Passes(actual);

    public override IQueryable<TrackingRun> Apply(IQueryable<TrackingRun> runs, PortalDbContext db)
    {
        var test = comparand.Sql();
        if (attribute is not null)
        {
            return runs.Where(RunSearchSql.On(attribute, test));
        }

        var name = key;
        if (entity == FilterEntity.Param)
        {
            var matchingParams = db.TrackingParams.Where(p => p.Key == name).Where(RunSearchSql.On<TrackingParam, string>(p => p.Value, test));
            return runs.Where(r => matchingParams.Any(p => p.RunId == r.Id));
        }

        var matchingTags = db.TrackingRunTags.Where(t => t.Key == name).Where(RunSearchSql.On<TrackingRunTag, string>(t => t.Value, test));
        return runs.Where(r => matchingTags.Any(t => t.RunId == r.Id));
    }
}

/// <summary>The attributes a filter or an order_by may name, as MLflow spells them, and the columns they are.</summary>
internal static class RunAttributes
{
    public const string Names = "run_id, run_name, status, user_id, artifact_uri, lifecycle_stage, start_time, end_time";

    public static Expression<Func<TrackingRun, string>>? Text(string key) => key.ToLowerInvariant() switch
    {
        "run_id" or "run_uuid" => r => r.Id,
        "run_name" or "runname" or "run name" => r => r.RunName,
        "status" => r => r.Status,
        "user_id" => r => r.UserId,
        "artifact_uri" => r => r.ArtifactUri,
        "lifecycle_stage" => r => r.LifecycleStage,
        _ => null,
    };

    public static Expression<Func<TrackingRun, long?>>? Number(string key) => key.ToLowerInvariant() switch
    {
        "start_time" or "created" => r => r.StartTime,
        "end_time" => r => r.EndTime,
        _ => null,
    };

    /// <summary>One name per attribute (aliases folded), to spot an order_by that names a field twice.</summary>
    public static string Canonical(string key) => key.ToLowerInvariant() switch
    {
        "run_uuid" => "run_id",
        "runname" or "run name" => "run_name",
        "created" => "start_time",
        var other => other,
    };
}

/// <summary>
/// "datasets.name|digest|context OP value", as MLflow's SQL store has it: a run matches when one of the datasets it
/// logged (runs/log-inputs) passes; context is the input's mlflow.data.context tag (e.g. training).
/// </summary>
internal sealed class DatasetClause : RunFilterClause
{
    public const string Keys = "name, digest, context";

    private const string ContextTag = "mlflow.data.context";

    private readonly string field;
    private readonly StringComparand comparand;

    /// <summary><paramref name="field"/> is one of <see cref="Keys"/>, lower case.</summary>
    public DatasetClause(string field, FilterOperator op, IReadOnlyList<string> values)
    {
        this.field = field;
        comparand = new StringComparand(op, values);
    }

    public override bool Matches(TrackingRun run) => run.DatasetInputs.Any(input => Field(input) is { } actual && comparand.Passes(actual));

    public override IQueryable<TrackingRun> Apply(IQueryable<TrackingRun> runs, PortalDbContext db)
    {
        var test = comparand.Sql();
        if (field == "context")
        {
            var contexts = db.TrackingDatasetInputTags.Where(t => t.Key == ContextTag).Where(RunSearchSql.On<TrackingDatasetInputTag, string>(t => t.Value, test));
            var inputs = db.TrackingDatasetInputs.Where(i => contexts.Any(t => t.InputId == i.Id));
            return runs.Where(r => inputs.Any(i => i.RunId == r.Id));
        }

        var matching = field == "name"
            ? db.TrackingDatasetInputs.Where(RunSearchSql.On<TrackingDatasetInput, string>(i => i.Name, test))
            : db.TrackingDatasetInputs.Where(RunSearchSql.On<TrackingDatasetInput, string>(i => i.Digest, test));
        return runs.Where(r => matching.Any(i => i.RunId == r.Id));
    }

    private string? Field(TrackingDatasetInput input) => field switch
    {
        "name" => input.Name,
        "digest" => input.Digest,
        _ => input.Tags.FirstOrDefault(t => t.Key == ContextTag)?.Value,
    };
}

/// <summary>
/// The string side of a clause (=, !=, IN, NOT IN or a LIKE pattern) that params, tags, string attributes and dataset
/// fields share: <see cref="Passes"/> in memory, <see cref="Sql"/> the same test for the database.
/// </summary>
internal sealed class StringComparand(FilterOperator op, IReadOnlyList<string> values)
{
    private readonly LikePattern? pattern = op is FilterOperator.Like or FilterOperator.ILike ? new LikePattern(values[0], op == FilterOperator.ILike) : null;

    public bool Passes(string actual) => op switch
    {
        FilterOperator.Equal => actual == values[0],
        FilterOperator.NotEqual => actual != values[0],
        FilterOperator.In => values.Contains(actual, StringComparer.Ordinal),
        FilterOperator.NotIn => !values.Contains(actual, StringComparer.Ordinal),
        _ => pattern!.IsMatch(actual),
    };

    public Expression<Func<string, bool>> Sql() => RunSearchSql.StringTest(op, values);
}
