using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Experiments;

/// <summary>
/// MLflow's tracking store for one repository: experiments, runs, params, tags and metric history, in Portal's
/// database. Errors use the kinds the web layer maps to MLflow's codes (Invalid → INVALID_PARAMETER_VALUE,
/// NotFound → RESOURCE_DOES_NOT_EXIST, Conflict → RESOURCE_ALREADY_EXISTS).
/// </summary>
/// <remarks>
/// Every string a client sends is bounded by MLflow's own limits (mlflow/utils/validation.py and its database
/// columns), so Portal accepts what MLflow accepts and refuses the rest with INVALID_PARAMETER_VALUE.
/// </remarks>
public sealed class TrackingService(PortalDbContext db, TimeProvider clock)
{
    public const int MaxKeyLength = 250;
    public const int MaxParamValueLength = 6000;
    public const int MaxTagValueLength = 8000;
    public const int MaxExperimentTagValueLength = 5000;
    public const int MaxExperimentNameLength = 500;
    public const int MaxArtifactLocationLength = 2048;
    public const int MaxRunNameLength = 250;
    public const int MaxUserIdLength = 256;
    public const int MaxBatchMetrics = 1000;
    public const int MaxBatchParams = 100;
    public const int MaxBatchTags = 100;

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Outcome<TrackingExperiment>> CreateExperimentAsync(long repositoryId, string? name, string? artifactLocation, IReadOnlyList<(string Key, string Value)> tags, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return PortalError.Invalid("Missing value for required parameter 'name'.");
        }

        if ((TooLong("Experiment name", name, MaxExperimentNameLength) ?? TooLong("Artifact location", artifactLocation, MaxArtifactLocationLength) ?? InvalidTags(tags, MaxExperimentTagValueLength)) is { } invalid)
        {
            return invalid;
        }

        if (await db.TrackingExperiments.AnyAsync(e => e.RepositoryId == repositoryId && e.Name == name, cancellationToken))
        {
            return PortalError.Conflict($"Experiment(name={name}) already exists.");
        }

        var experiment = new TrackingExperiment
        {
            RepositoryId = repositoryId,
            Name = name,
            ArtifactLocation = artifactLocation ?? "",
            CreationTime = Now,
            LastUpdateTime = Now,
            Tags = [.. tags.Select(t => new TrackingExperimentTag { Key = t.Key, Value = t.Value })],
        };
        db.TrackingExperiments.Add(experiment);
        await db.SaveChangesAsync(cancellationToken);
        return experiment;
    }

    public async Task<Outcome<TrackingExperiment>> GetExperimentAsync(long repositoryId, string? experimentId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(experimentId, out var id))
        {
            return PortalError.Invalid("Missing or invalid value for required parameter 'experiment_id'.");
        }

        var experiment = await db.TrackingExperiments.Include(e => e.Tags).AsNoTracking().FirstOrDefaultAsync(e => e.RepositoryId == repositoryId && e.Id == id, cancellationToken);
        return experiment is null ? PortalError.NotFound($"No Experiment with id={experimentId} exists") : experiment;
    }

    public async Task<Outcome<TrackingExperiment>> GetExperimentByNameAsync(long repositoryId, string? name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
        {
            return PortalError.Invalid("Missing value for required parameter 'experiment_name'.");
        }

        var experiment = await db.TrackingExperiments.Include(e => e.Tags).AsNoTracking().FirstOrDefaultAsync(e => e.RepositoryId == repositoryId && e.Name == name, cancellationToken);
        return experiment is null ? PortalError.NotFound($"Could not find experiment with name '{name}'") : experiment;
    }

    public async Task<(IReadOnlyList<TrackingExperiment> Experiments, string? NextPageToken)> SearchExperimentsAsync(long repositoryId, string? viewType, int maxResults, string? pageToken, CancellationToken cancellationToken)
    {
        var offset = DecodeToken(pageToken);
        var query = db.TrackingExperiments.Include(e => e.Tags).AsNoTracking().Where(e => e.RepositoryId == repositoryId);
        query = (viewType ?? "ACTIVE_ONLY").ToUpperInvariant() switch
        {
            "DELETED_ONLY" => query.Where(e => e.LifecycleStage == "deleted"),
            "ALL" => query,
            _ => query.Where(e => e.LifecycleStage == "active"),
        };
        var take = Math.Clamp(maxResults <= 0 ? 1000 : maxResults, 1, 50_000);
        var page = await query.OrderByDescending(e => e.CreationTime).ThenByDescending(e => e.Id).Skip(offset).Take(take + 1).ToListAsync(cancellationToken);
        return (page.Take(take).ToList(), page.Count > take ? EncodeToken(offset + take) : null);
    }

    public async Task<Outcome<bool>> UpdateExperimentAsync(long repositoryId, string? experimentId, string? newName, CancellationToken cancellationToken)
    {
        var experiment = await TrackedExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        if (string.IsNullOrWhiteSpace(newName))
        {
            return PortalError.Invalid("Missing value for required parameter 'new_name'.");
        }

        if (TooLong("Experiment name", newName, MaxExperimentNameLength) is { } tooLong)
        {
            return tooLong;
        }

        if (await db.TrackingExperiments.AnyAsync(e => e.RepositoryId == repositoryId && e.Name == newName && e.Id != experiment.Value!.Id, cancellationToken))
        {
            return PortalError.Conflict($"Experiment(name={newName}) already exists.");
        }

        experiment.Value!.Name = newName;
        experiment.Value.LastUpdateTime = Now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<Outcome<bool>> DeleteExperimentAsync(long repositoryId, string? experimentId, CancellationToken cancellationToken)
    {
        var experiment = await TrackedExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        experiment.Value!.LifecycleStage = "deleted";
        experiment.Value.LastUpdateTime = Now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<Outcome<TrackingRun>> CreateRunAsync(long repositoryId, string? experimentId, string? userId, string? runName, long? startTime, IReadOnlyList<(string Key, string Value)> tags, CancellationToken cancellationToken)
    {
        var effectiveName = runName ?? tags.FirstOrDefault(t => t.Key == "mlflow.runName").Value;
        if ((TooLong("Run name", effectiveName, MaxRunNameLength) ?? TooLong("User id", userId, MaxUserIdLength) ?? InvalidTags(tags, MaxTagValueLength)) is { } invalid)
        {
            return invalid;
        }

        var experiment = await TrackedExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        if (experiment.Value!.LifecycleStage != "active")
        {
            return PortalError.Invalid($"The experiment {experimentId} must be in the 'active' state.");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var name = effectiveName ?? $"run-{id[..8]}";
        var run = new TrackingRun
        {
            Id = id,
            ExperimentId = experiment.Value.Id,
            RepositoryId = repositoryId,
            RunName = name,
            UserId = userId ?? "",
            StartTime = startTime ?? Now,
            ArtifactUri = $"{experiment.Value.ArtifactLocation.TrimEnd('/')}/{id}/artifacts".TrimStart('/'),
            Tags = [.. tags.Where(t => t.Key != "mlflow.runName").Select(t => new TrackingRunTag { RunId = id, Key = t.Key, Value = t.Value })],
        };
        run.Tags.Add(new TrackingRunTag { RunId = id, Key = "mlflow.runName", Value = name });
        db.TrackingRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    public async Task<Outcome<TrackingRun>> GetRunAsync(long repositoryId, string? runId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(runId))
        {
            return PortalError.Invalid("Missing value for required parameter 'run_id'.");
        }

        var run = await RunsWithData().AsNoTracking().FirstOrDefaultAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken);
        return run is null ? PortalError.NotFound($"Run with id={runId} not found") : run;
    }

    public async Task<Outcome<TrackingRun>> UpdateRunAsync(long repositoryId, string? runId, string? status, long? endTime, string? runName, CancellationToken cancellationToken)
    {
        if (TooLong("Run name", runName, MaxRunNameLength) is { } tooLong)
        {
            return tooLong;
        }

        var run = await TrackedRunAsync(repositoryId, runId, cancellationToken);
        if (!run.Succeeded)
        {
            return run.Error!;
        }

        if (status is not null)
        {
            if (status is not ("RUNNING" or "SCHEDULED" or "FINISHED" or "FAILED" or "KILLED"))
            {
                return PortalError.Invalid($"Invalid value '{status}' for parameter 'status': use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.");
            }

            run.Value!.Status = status;
        }

        if (endTime is not null)
        {
            run.Value!.EndTime = endTime;
        }

        if (!string.IsNullOrEmpty(runName))
        {
            run.Value!.RunName = runName;
        }

        await db.SaveChangesAsync(cancellationToken);
        return run.Value!;
    }

    public async Task<Outcome<bool>> DeleteRunAsync(long repositoryId, string? runId, CancellationToken cancellationToken)
    {
        var run = await TrackedRunAsync(repositoryId, runId, cancellationToken);
        if (!run.Succeeded)
        {
            return run.Error!;
        }

        run.Value!.LifecycleStage = "deleted";
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Logs metrics, params and tags in one transaction (log-metric, log-parameter and set-tag are batches of one).</summary>
    public async Task<Outcome<bool>> LogBatchAsync(long repositoryId, string? runId, IReadOnlyList<MetricValue> metrics, IReadOnlyList<(string Key, string Value)> parameters, IReadOnlyList<(string Key, string Value)> tags, CancellationToken cancellationToken)
    {
        if (metrics.Count > MaxBatchMetrics || parameters.Count > MaxBatchParams || tags.Count > MaxBatchTags)
        {
            return PortalError.Invalid($"A batch may hold at most {MaxBatchMetrics} metrics, {MaxBatchParams} params and {MaxBatchTags} tags per request: split it across several requests.");
        }

        var invalid = metrics.Select(m => m.Key).Concat(parameters.Select(p => p.Key)).Concat(tags.Select(t => t.Key)).FirstOrDefault(k => !IsValidKey(k));
        if (invalid is not null)
        {
            return PortalError.Invalid($"Invalid key '{(invalid.Length > 50 ? invalid[..50] + "…" : invalid)}': keys are 1 to {MaxKeyLength} characters of letters, digits, '_', '-', '.', ' ' and '/'.");
        }

        if (parameters.Any(p => p.Value.Length > MaxParamValueLength) || tags.Any(t => t.Value.Length > MaxTagValueLength))
        {
            return PortalError.Invalid($"Param values are at most {MaxParamValueLength} characters, tag values at most {MaxTagValueLength}.");
        }

        var run = await db.TrackingRuns.Include(r => r.Params).Include(r => r.Tags).Include(r => r.LatestMetrics)
            .FirstOrDefaultAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken);
        if (run is null)
        {
            return PortalError.NotFound($"Run with id={runId} not found");
        }

        if (run.LifecycleStage != "active")
        {
            return PortalError.Invalid($"The run {runId} must be in the 'active' state.");
        }

        foreach (var (key, value) in parameters)
        {
            var existing = run.Params.FirstOrDefault(p => p.Key == key);
            if (existing is not null && existing.Value != value)
            {
                // As MLflow: params are immutable once logged.
                return PortalError.Invalid($"Changing param values is not allowed. Param with key='{key}' was already logged with value='{existing.Value}' for run ID='{runId}'. Attempted logging new value '{value}'.");
            }

            if (existing is null)
            {
                run.Params.Add(new TrackingParam { RunId = run.Id, Key = key, Value = value });
            }
        }

        foreach (var (key, value) in tags)
        {
            var existing = run.Tags.FirstOrDefault(t => t.Key == key);
            if (existing is null)
            {
                run.Tags.Add(new TrackingRunTag { RunId = run.Id, Key = key, Value = value });
            }
            else
            {
                existing.Value = value;
            }

            if (key == "mlflow.runName")
            {
                run.RunName = value;
            }
        }

        foreach (var metric in metrics)
        {
            db.TrackingMetrics.Add(new TrackingMetric { RunId = run.Id, Key = metric.Key, Value = metric.Value, Timestamp = metric.Timestamp, Step = metric.Step });
            var latest = run.LatestMetrics.FirstOrDefault(m => m.Key == metric.Key);
            if (latest is null)
            {
                run.LatestMetrics.Add(new TrackingLatestMetric { RunId = run.Id, Key = metric.Key, Value = metric.Value, Timestamp = metric.Timestamp, Step = metric.Step });
            }
            else if (metric.Step > latest.Step || (metric.Step == latest.Step && metric.Timestamp >= latest.Timestamp))
            {
                latest.Value = metric.Value;
                latest.Timestamp = metric.Timestamp;
                latest.Step = metric.Step;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<Outcome<IReadOnlyList<TrackingMetric>>> MetricHistoryAsync(long repositoryId, string? runId, string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key))
        {
            return PortalError.Invalid("Missing value for required parameter 'metric_key'.");
        }

        if (!await db.TrackingRuns.AnyAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken))
        {
            return PortalError.NotFound($"Run with id={runId} not found");
        }

        return await db.TrackingMetrics.AsNoTracking().Where(m => m.RunId == runId && m.Key == key)
            .OrderBy(m => m.Step).ThenBy(m => m.Timestamp).ThenBy(m => m.Id)
            .ToListAsync(cancellationToken);
    }

    public async Task<Outcome<(IReadOnlyList<TrackingRun> Runs, string? NextPageToken)>> SearchRunsAsync(long repositoryId, IReadOnlyList<string> experimentIds, string? filter, string? viewType, int maxResults, IReadOnlyList<string> orderBy, string? pageToken, CancellationToken cancellationToken)
    {
        var parsed = RunFilter.Parse(filter);
        if (!parsed.Succeeded)
        {
            return parsed.Error!;
        }

        var ids = experimentIds.Select(e => long.TryParse(e, out var id) ? id : -1).ToList();
        var query = RunsWithData().AsNoTracking().Where(r => r.RepositoryId == repositoryId && ids.Contains(r.ExperimentId));
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

        var offset = DecodeToken(pageToken);
        var take = Math.Clamp(maxResults <= 0 ? 1000 : maxResults, 1, 50_000);
        var page = ordered.Value!.Skip(offset).Take(take + 1).ToList();
        return (page.Take(take).ToList(), page.Count > take ? EncodeToken(offset + take) : null);
    }

    public async Task<IReadOnlyList<TrackingExperiment>> ExperimentsForPageAsync(long repositoryId, CancellationToken cancellationToken) =>
        await db.TrackingExperiments.AsNoTracking().Where(e => e.RepositoryId == repositoryId && e.LifecycleStage == "active").OrderBy(e => e.Name).ToListAsync(cancellationToken);

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

    private IQueryable<TrackingRun> RunsWithData() =>
        db.TrackingRuns.Include(r => r.Params).Include(r => r.Tags).Include(r => r.LatestMetrics).AsSplitQuery();

    private async Task<Outcome<TrackingExperiment>> TrackedExperimentAsync(long repositoryId, string? experimentId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(experimentId, out var id))
        {
            return PortalError.Invalid("Missing or invalid value for required parameter 'experiment_id'.");
        }

        var experiment = await db.TrackingExperiments.FirstOrDefaultAsync(e => e.RepositoryId == repositoryId && e.Id == id, cancellationToken);
        return experiment is null ? PortalError.NotFound($"No Experiment with id={experimentId} exists") : experiment;
    }

    private async Task<Outcome<TrackingRun>> TrackedRunAsync(long repositoryId, string? runId, CancellationToken cancellationToken)
    {
        var run = await db.TrackingRuns.FirstOrDefaultAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken);
        return run is null ? PortalError.NotFound($"Run with id={runId} not found") : run;
    }

    /// <summary>MLflow's wording and limits: "had length N, which exceeded length limit of L".</summary>
    private static PortalError? TooLong(string what, string? value, int limit) =>
        value is not null && value.Length > limit ? PortalError.Invalid($"{what} had length {value.Length}, which exceeded length limit of {limit}.") : null;

    private static PortalError? InvalidTags(IReadOnlyList<(string Key, string Value)> tags, int maxValueLength)
    {
        var badKey = tags.Select(t => t.Key).FirstOrDefault(k => !IsValidKey(k));
        return badKey is not null
            ? PortalError.Invalid($"Invalid tag key '{(badKey.Length > 50 ? badKey[..50] + "…" : badKey)}': keys are 1 to {MaxKeyLength} characters of letters, digits, '_', '-', '.', ' ' and '/'.")
            : tags.Select(t => TooLong("Tag value", t.Value, maxValueLength)).FirstOrDefault(e => e is not null);
    }

    private static bool IsValidKey(string key) =>
        key.Length is > 0 and <= MaxKeyLength && !key.Contains("..", StringComparison.Ordinal) && !key.StartsWith('/') &&
        key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ' ' or '/');

    /// <summary>Page tokens are opaque to clients; a malformed one starts from the beginning rather than failing.</summary>
    private static int DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            return int.TryParse(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token)), out var offset) && offset >= 0 ? offset : 0;
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    private static string EncodeToken(int offset) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}

public sealed record MetricValue(string Key, double Value, long Timestamp, long Step);
