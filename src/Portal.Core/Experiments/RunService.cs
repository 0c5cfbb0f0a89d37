using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using static Portal.Core.Experiments.TrackingLimits;

namespace Portal.Core.Experiments;

/// <summary>
/// MLflow runs of one repository: create, read, update, delete, and what a run logs (metrics, params, tags) with each
/// metric's history. Errors use the kinds the web layer maps to MLflow's codes, in MLflow's wording.
/// </summary>
public sealed class RunService(PortalDbContext db, TimeProvider clock)
{
    private const string RunNameTag = "mlflow.runName";

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Outcome<TrackingRun>> CreateAsync(long repositoryId, string? experimentId, string? userId, string? runName, long? startTime, IReadOnlyList<(string Key, string Value)> tags, CancellationToken cancellationToken)
    {
        var effectiveName = runName ?? tags.FirstOrDefault(t => t.Key == RunNameTag).Value;
        if ((TooLong("Run name", effectiveName, MaxRunNameLength) ?? TooLong("User id", userId, MaxUserIdLength) ?? InvalidTags(tags, MaxTagValueLength)) is { } invalid)
        {
            return invalid;
        }

        var experiment = await db.ActiveExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var name = effectiveName ?? $"run-{id[..8]}";
        var run = new TrackingRun
        {
            Id = id,
            ExperimentId = experiment.Value!.Id,
            RepositoryId = repositoryId,
            RunName = name,
            UserId = userId ?? "",
            StartTime = startTime ?? Now,
            ArtifactUri = ArtifactLocations.NewRun(experiment.Value, id),
            Tags = [.. tags.Where(t => t.Key != RunNameTag).Select(t => new TrackingRunTag { RunId = id, Key = t.Key, Value = t.Value })],
        };
        run.Tags.Add(new TrackingRunTag { RunId = id, Key = RunNameTag, Value = name });
        db.TrackingRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    public async Task<Outcome<TrackingRun>> GetAsync(long repositoryId, string? runId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(runId))
        {
            return PortalError.Invalid("Missing value for required parameter 'run_id'.");
        }

        var run = await db.RunsWithData().Include(r => r.DatasetInputs).ThenInclude(i => i.Tags).Include(r => r.Models).AsNoTracking()
            .FirstOrDefaultAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken);
        return run is null ? TrackingQueries.RunNotFound(runId) : run;
    }

    public async Task<Outcome<TrackingRun>> UpdateAsync(long repositoryId, string? runId, string? status, long? endTime, string? runName, CancellationToken cancellationToken)
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

    /// <summary>Moves the run to the trash (lifecycle "deleted"); <see cref="RestoreAsync"/> brings it back.</summary>
    public Task<Outcome<bool>> DeleteAsync(long repositoryId, string? runId, CancellationToken cancellationToken) =>
        SetStageAsync(repositoryId, runId, "deleted", cancellationToken);

    public Task<Outcome<bool>> RestoreAsync(long repositoryId, string? runId, CancellationToken cancellationToken) =>
        SetStageAsync(repositoryId, runId, "active", cancellationToken);

    /// <summary>Removes one tag from an active run; as MLflow, a tag that is not there is RESOURCE_DOES_NOT_EXIST.</summary>
    public async Task<Outcome<bool>> DeleteTagAsync(long repositoryId, string? runId, string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key))
        {
            return PortalError.Invalid("Missing value for required parameter 'key'.");
        }

        var run = await db.TrackingRuns.Include(r => r.Tags).FirstOrDefaultAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken);
        if (run is null)
        {
            return TrackingQueries.RunNotFound(runId);
        }

        if (run.LifecycleStage != "active")
        {
            return PortalError.Invalid($"The run {runId} must be in the 'active' state.");
        }

        if (run.Tags.FirstOrDefault(t => t.Key == key) is not { } tag)
        {
            return PortalError.NotFound($"No tag with name: {key} in run with id {runId}");
        }

        run.Tags.Remove(tag);
        if (key == RunNameTag)
        {
            run.RunName = "";
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private async Task<Outcome<bool>> SetStageAsync(long repositoryId, string? runId, string stage, CancellationToken cancellationToken)
    {
        var run = await TrackedRunAsync(repositoryId, runId, cancellationToken);
        if (!run.Succeeded)
        {
            return run.Error!;
        }

        run.Value!.LifecycleStage = stage;
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
            return PortalError.Invalid($"Invalid key '{Shorten(invalid)}': keys are 1 to {MaxKeyLength} characters of letters, digits, '_', '-', '.', ' ' and '/'.");
        }

        if (parameters.Any(p => p.Value.Length > MaxParamValueLength) || tags.Any(t => t.Value.Length > MaxTagValueLength))
        {
            return PortalError.Invalid($"Param values are at most {MaxParamValueLength} characters, tag values at most {MaxTagValueLength}.");
        }

        var run = await db.TrackingRuns.Include(r => r.Params).Include(r => r.Tags).Include(r => r.LatestMetrics)
            .FirstOrDefaultAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken);
        if (run is null)
        {
            return TrackingQueries.RunNotFound(runId);
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

            if (key == RunNameTag)
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
            else if ((metric.Step, metric.Timestamp, metric.Value).CompareTo((latest.Step, latest.Timestamp, latest.Value)) > 0)
            {
                // MLflow's rule (_compare_metrics in sqlalchemy_store.py): the latest value is the one with the greatest
                // (step, timestamp, value), not the last one logged, so a late point of an earlier step changes nothing.
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
            return TrackingQueries.RunNotFound(runId);
        }

        return await db.TrackingMetrics.AsNoTracking().Where(m => m.RunId == runId && m.Key == key)
            .OrderBy(m => m.Step).ThenBy(m => m.Timestamp).ThenBy(m => m.Id)
            .ToListAsync(cancellationToken);
    }

    private async Task<Outcome<TrackingRun>> TrackedRunAsync(long repositoryId, string? runId, CancellationToken cancellationToken)
    {
        var run = await db.TrackingRuns.FirstOrDefaultAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken);
        return run is null ? TrackingQueries.RunNotFound(runId) : run;
    }
}

public sealed record MetricValue(string Key, double Value, long Timestamp, long Step);
