using System.Globalization;
using System.Text;

namespace Portal.Core.Experiments;

/// <summary>
/// MLflow's run search filter (https://mlflow.org/docs/latest/search-runs.html): clauses joined by AND, each
/// "(metrics|params|tags|attributes).KEY OP VALUE". Metrics and the time attributes compare numbers; params, tags
/// and the other attributes compare strings (=, !=, LIKE, ILIKE, IN, NOT IN). Keys may be quoted with backticks or
/// double quotes. The filter comes from anyone who can read the repository, so it is bounded
/// (<see cref="MaxLengthBytes"/>), parsed in one pass by <see cref="RunFilterParser"/> and matched in linear time
/// (<see cref="LikePattern"/>): no regular expression ever sees it.
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

/// <summary>One "entity.key OP value" clause, with its value already parsed (a number, a string, a list or a LIKE pattern).</summary>
internal abstract class RunFilterClause
{
    public abstract bool Matches(TrackingRun run);
}

/// <summary>A metric or a time attribute compared with a number.</summary>
internal sealed class NumberClause(Func<TrackingRun, double?> select, FilterOperator op, double value) : RunFilterClause
{
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
}

/// <summary>A param, tag or string attribute compared with a string, a list of strings or a LIKE pattern.</summary>
internal sealed class StringClause(Func<TrackingRun, string?> select, FilterOperator op, IReadOnlyList<string> values) : RunFilterClause
{
    private readonly LikePattern? pattern = op is FilterOperator.Like or FilterOperator.ILike ? new LikePattern(values[0], op == FilterOperator.ILike) : null;

    public override bool Matches(TrackingRun run)
    {
        if (select(run) is not { } actual)
        {
            return false;
        }

        return op switch
        {
            FilterOperator.Equal => actual == values[0],
            FilterOperator.NotEqual => actual != values[0],
            FilterOperator.In => values.Contains(actual, StringComparer.Ordinal),
            FilterOperator.NotIn => !values.Contains(actual, StringComparer.Ordinal),
            _ => pattern!.IsMatch(actual),
        };
    }

    public static string? Param(TrackingRun run, string key) => run.Params.FirstOrDefault(p => p.Key == key)?.Value;

    public static string? Tag(TrackingRun run, string key) => run.Tags.FirstOrDefault(t => t.Key == key)?.Value;
}

/// <summary>The attributes a filter may name, as MLflow spells them.</summary>
internal static class RunAttributes
{
    public const string Names = "run_id, run_name, status, user_id, artifact_uri, lifecycle_stage, start_time, end_time";

    public static Func<TrackingRun, string?>? Text(string key) => key.ToLowerInvariant() switch
    {
        "run_id" or "run_uuid" => r => r.Id,
        "run_name" or "runname" or "run name" => r => r.RunName,
        "status" => r => r.Status,
        "user_id" => r => r.UserId,
        "artifact_uri" => r => r.ArtifactUri,
        "lifecycle_stage" => r => r.LifecycleStage,
        _ => null,
    };

    public static Func<TrackingRun, double?>? Number(string key) => key.ToLowerInvariant() switch
    {
        "start_time" or "created" => r => r.StartTime,
        "end_time" => r => r.EndTime,
        _ => null,
    };

    public static double ParseNumber(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
