using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Core.Experiments;

/// <summary>
/// MLflow's run search filter (https://mlflow.org/docs/latest/search-runs.html): clauses joined by AND, each
/// "(metrics|params|tags|attributes).KEY OP VALUE". Metrics compare numbers; params, tags and attributes compare
/// strings (=, !=, LIKE, ILIKE). Keys may be quoted with backticks or double quotes.
/// </summary>
public sealed partial class RunFilter
{
    private readonly List<Clause> clauses;

    private RunFilter(List<Clause> clauses)
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

        var clauses = new List<Clause>();
        foreach (var part in AndSplitter().Split(filter.Trim()))
        {
            var match = ClauseShape().Match(part.Trim());
            if (!match.Success)
            {
                return PortalError.Invalid($"Invalid filter clause '{part.Trim()}': expected e.g. metrics.loss < 0.5 or params.lr = '0.01'.");
            }

            var entity = match.Groups["entity"].Value.ToLowerInvariant() switch
            {
                "metrics" or "metric" => Entity.Metric,
                "params" or "param" or "parameters" or "parameter" => Entity.Param,
                "tags" or "tag" => Entity.Tag,
                "attributes" or "attribute" or "attr" or "run" => Entity.Attribute,
                var other => (Entity?)null,
            };
            if (entity is null)
            {
                return PortalError.Invalid($"Unknown entity '{match.Groups["entity"].Value}' in filter: use metrics, params, tags or attributes.");
            }

            var key = match.Groups["key"].Value.Trim('`', '"');
            var op = match.Groups["op"].Value.ToUpperInvariant();
            var raw = match.Groups["value"].Value;
            var quoted = raw.Length >= 2 && (raw[0] is '\'' or '"') && raw[^1] == raw[0];
            var value = quoted ? raw[1..^1] : raw;
            if (entity == Entity.Metric)
            {
                if (quoted || !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || op is "LIKE" or "ILIKE")
                {
                    return PortalError.Invalid($"Metric '{key}' must be compared with a number using =, !=, <, <=, > or >=.");
                }
            }
            else if (!quoted && !(entity == Entity.Attribute && op is "<" or "<=" or ">" or ">=" or "=" or "!=" && double.TryParse(value, CultureInfo.InvariantCulture, out _)))
            {
                return PortalError.Invalid($"The value for {match.Groups["entity"].Value}.{key} must be a quoted string, e.g. '{value}'.");
            }

            clauses.Add(new Clause(entity.Value, key, op, value));
        }

        return new RunFilter(clauses);
    }

    public bool Matches(TrackingRun run) => clauses.All(c => c.Matches(run));

    private enum Entity
    {
        Metric,
        Param,
        Tag,
        Attribute,
    }

    private sealed record Clause(Entity Entity, string Key, string Op, string Value)
    {
        public bool Matches(TrackingRun run)
        {
            switch (Entity)
            {
                case Entity.Metric:
                    var metric = run.LatestMetrics.FirstOrDefault(m => m.Key == Key);
                    return metric is not null && Compare(metric.Value.CompareTo(double.Parse(Value, CultureInfo.InvariantCulture)));
                case Entity.Param:
                    return StringMatches(run.Params.FirstOrDefault(p => p.Key == Key)?.Value);
                case Entity.Tag:
                    return StringMatches(run.Tags.FirstOrDefault(t => t.Key == Key)?.Value);
                default:
                    var attribute = Key.ToLowerInvariant() switch
                    {
                        "status" => run.Status,
                        "run_name" or "runname" => run.RunName,
                        "run_id" or "run_uuid" => run.Id,
                        "user_id" => run.UserId,
                        "start_time" => run.StartTime.ToString(CultureInfo.InvariantCulture),
                        "end_time" => run.EndTime?.ToString(CultureInfo.InvariantCulture),
                        _ => null,
                    };
                    return Key is "start_time" or "end_time" && double.TryParse(Value, CultureInfo.InvariantCulture, out var number)
                        ? attribute is not null && Compare(double.Parse(attribute, CultureInfo.InvariantCulture).CompareTo(number))
                        : StringMatches(attribute);
            }
        }

        private bool StringMatches(string? actual) => actual is not null && Op switch
        {
            "=" => actual == Value,
            "!=" => actual != Value,
            "LIKE" => Like(actual, Value, ignoreCase: false),
            "ILIKE" => Like(actual, Value, ignoreCase: true),
            _ => Compare(string.CompareOrdinal(actual, Value)),
        };

        private bool Compare(int comparison) => Op switch
        {
            "=" => comparison == 0,
            "!=" => comparison != 0,
            "<" => comparison < 0,
            "<=" => comparison <= 0,
            ">" => comparison > 0,
            ">=" => comparison >= 0,
            _ => false,
        };

        private static bool Like(string actual, string pattern, bool ignoreCase) =>
            Regex.IsMatch(actual, "^" + Regex.Escape(pattern).Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$",
                (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    [GeneratedRegex(@"\s+and\s+", RegexOptions.IgnoreCase)]
    private static partial Regex AndSplitter();

    [GeneratedRegex(@"^(?<entity>[A-Za-z]+)\.(?<key>`[^`]+`|""[^""]+""|[A-Za-z0-9_.\-/ ]+?)\s*(?<op>!=|>=|<=|=|<|>|(?i:ilike|like))\s*(?<value>'[^']*'|""[^""]*""|[-+0-9.eE]+|[A-Za-z_]+)$")]
    private static partial Regex ClauseShape();
}
